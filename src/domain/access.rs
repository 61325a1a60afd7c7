//! Who is calling and what they may touch.
//!
//! Every rule answers "may this principal see organization X": a caller who may not is told the
//! thing does not exist (404), never that it is forbidden (403), so ids of other organizations
//! do not leak.

use super::{MemberId, OrgId, TokenId};

/// A token's role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Service-wide: organizations and keys.
    Operator,
    /// One organization: members, policy, partners, cards.
    Admin,
    /// One member: own profile and card, directory of own organization.
    Member,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Parses the stored form; unknown roles are refused by the caller.
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "operator" => Some(Self::Operator),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// Service operator.
    Operator { token_id: TokenId },
    /// Administrator of one organization.
    Admin { token_id: TokenId, org_id: OrgId },
    /// One member of one organization.
    Member {
        token_id: TokenId,
        org_id: OrgId,
        member_id: MemberId,
    },
}

impl Principal {
    /// The token this principal authenticated with.
    pub fn token_id(&self) -> TokenId {
        match *self {
            Self::Operator { token_id }
            | Self::Admin { token_id, .. }
            | Self::Member { token_id, .. } => token_id,
        }
    }

    /// How the audit log names this actor, e.g. `admin:token/7`.
    pub fn actor(&self) -> String {
        let role = match self {
            Self::Operator { .. } => "operator",
            Self::Admin { .. } => "admin",
            Self::Member { .. } => "member",
        };
        format!("{role}:token/{}", self.token_id())
    }

    /// May manage organization `org_id` (members, policy, partners, cards)?
    pub fn administers(&self, org_id: OrgId) -> bool {
        match *self {
            Self::Operator { .. } => true,
            Self::Admin { org_id: own, .. } => own == org_id,
            Self::Member { .. } => false,
        }
    }

    /// May see organization `org_id` at all (its profile and directory)?
    pub fn belongs_to(&self, org_id: OrgId) -> bool {
        match *self {
            Self::Operator { .. } => true,
            Self::Admin { org_id: own, .. } | Self::Member { org_id: own, .. } => own == org_id,
        }
    }

    /// Is this the service operator?
    pub fn is_operator(&self) -> bool {
        matches!(self, Self::Operator { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_manage_only_their_own_organization() {
        let (seven, eight) = (OrgId::new(7), OrgId::new(8));
        let admin = Principal::Admin {
            token_id: TokenId::new(1),
            org_id: seven,
        };
        assert!(admin.administers(seven));
        assert!(!admin.administers(eight));
        assert!(
            !Principal::Member {
                token_id: TokenId::new(2),
                org_id: seven,
                member_id: MemberId::new(3)
            }
            .administers(seven)
        );
        assert!(
            Principal::Operator {
                token_id: TokenId::new(3)
            }
            .administers(eight)
        );
    }
}
