//! SCIM 2.0 provisioning (RFC 7643 / 7644): an organization's identity provider keeps its
//! members (`Users`) and departments (`Groups`) in step through `/scim/v2`, with a token an admin
//! of the organization created.
//!
//! A resource is read as the JSON document SCIM speaks, built from the member (or department)
//! and what the provider sent before; `PATCH` applies its operations to that document and then
//! writes the result as `PUT` would, so every form of PATCH an identity provider sends ends in
//! the same validation. The token's organization scopes everything: an id of another
//! organization is 404.

use super::clock::Clock;
use super::keyring::Keyring;
use crate::domain::scim::ScimError;
use crate::domain::scim::filter::{Filter, parse_filter};
use crate::domain::scim::patch;
use crate::domain::scim::schema::{self, GROUP, Schema, USER};
use crate::domain::{
    Audit, DepartmentId, DepartmentName, DisplayName, Email, EmployeeId, MemberId, MemberPatch,
    MemberStatus, Mobile, NewMember, OrgId, Principal, ScimTokenId, Title, TokenLabel, TokenSecret,
};
use crate::store::{
    Conflict, GroupChange, GroupLookup, Guard, MembersChange, ScimGroup, ScimToken, ScimUser,
    Store, StoreError, UserExtra, UserLookup,
};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use std::sync::Arc;

use crate::domain::scim::schema::{GROUP_URN, USER_URN};
const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The most resources one list answers (`count` above it is lowered to it, RFC 7644 §3.4.2.4).
pub const MAX_PAGE: i64 = 200;

/// The longest externalId kept.
const MAX_EXTERNAL_ID: usize = 256;

/// The largest document kept for a user beyond its member's own fields.
const MAX_ATTRIBUTES: usize = 16 * 1024;

/// Why a SCIM request failed: a refusal the client can act on, or the store.
#[derive(Debug, thiserror::Error)]
pub enum ScimFailure {
    #[error("{0}")]
    Scim(ScimError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<ScimError> for ScimFailure {
    fn from(e: ScimError) -> Self {
        Self::Scim(e)
    }
}

impl From<StoreError> for ScimFailure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// A SCIM resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
}

impl Kind {
    /// The kind an endpoint serves: `Users` or `Groups`.
    pub fn from_endpoint(name: &str) -> Option<Self> {
        match name {
            "Users" => Some(Self::User),
            "Groups" => Some(Self::Group),
            _ => None,
        }
    }

    fn schema(self) -> &'static Schema {
        match self {
            Self::User => &USER,
            Self::Group => &GROUP,
        }
    }
}

/// A resource as read before a change.
enum Current {
    User(ScimUser),
    Group(ScimGroup),
}

/// What a list request asks for (RFC 7644 §3.4.2).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<String>,
    /// 1-based, as SCIM counts.
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    /// Whether the answer may leave out group members (`excludedAttributes=members`): lists
    /// of large groups are then cheap.
    pub without_members: bool,
}

/// A resource as written, with the version its ETag names.
#[derive(Debug, Clone)]
pub struct Resource {
    pub body: Value,
    pub version: String,
}

/// The SCIM use cases.
#[derive(Debug)]
pub struct Scim {
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    /// `https://host/scim/v2`, the base of every `location`.
    base: String,
}

impl Scim {
    /// SCIM over `store`; `public_url` is the service's address.
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<Keyring>,
        clock: Arc<dyn Clock>,
        public_url: &str,
    ) -> Self {
        Self {
            store,
            keys,
            clock,
            base: format!("{}/scim/v2", public_url.trim_end_matches('/')),
        }
    }

    /// The base URL of the SCIM endpoints, for admins to paste into their identity provider.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Creates a SCIM token for `org_id`; the secret is shown once and stored only hashed.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn create_token(
        &self,
        who: &Principal,
        org_id: OrgId,
        label: &TokenLabel,
    ) -> Result<(ScimToken, TokenSecret), StoreError> {
        let secret = TokenSecret::generate();
        let audit = super::audit(
            self.clock.now(),
            who,
            Some(org_id),
            "scim_token.create",
            "",
            "",
        );
        let token = self
            .store
            .create_scim_token(org_id, &secret.hash(), label.as_str(), &audit)
            .await?;
        Ok((token, secret))
    }

    /// The organization's SCIM tokens.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn tokens(&self, org_id: OrgId) -> Result<Vec<ScimToken>, StoreError> {
        self.store.list_scim_tokens(org_id).await
    }

    /// Revokes a SCIM token: the identity provider holding it is refused from then on.
    ///
    /// # Errors
    /// `NotFound` for a token of another organization or one already revoked.
    pub async fn revoke_token(
        &self,
        who: &Principal,
        org_id: OrgId,
        id: ScimTokenId,
    ) -> Result<(), StoreError> {
        let audit = super::audit(
            self.clock.now(),
            who,
            Some(org_id),
            "scim_token.revoke",
            format!("scim_token/{id}"),
            "",
        );
        self.store.revoke_scim_token(org_id, id, &audit).await
    }

    /// The token presented as `Authorization: Bearer ...`, if it is a live SCIM token.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<ScimToken>, StoreError> {
        let hash = crate::domain::TokenHash::of(presented);
        self.store.authenticate_scim(&hash, self.clock.now()).await
    }

    fn audit(&self, token: &ScimToken, action: &'static str) -> Audit {
        Audit {
            at: self.clock.now(),
            actor: token.actor(),
            org_id: Some(token.org_id),
            action,
            target: String::new(),
            detail: String::new(),
        }
    }

    // ---- Either kind ---------------------------------------------------------------------

    /// A page of the organization's resources of `kind` matching the query's filter.
    ///
    /// # Errors
    /// `invalidFilter` for a filter that does not parse; when the store fails.
    pub async fn list(
        &self,
        token: &ScimToken,
        kind: Kind,
        query: &ListQuery,
    ) -> Result<Value, ScimFailure> {
        match kind {
            Kind::User => self.list_users(token, query).await,
            Kind::Group => self.list_groups(token, query).await,
        }
    }

    /// One resource.
    ///
    /// # Errors
    /// 404 for an id that names nothing of the token's organization.
    pub async fn get(
        &self,
        token: &ScimToken,
        kind: Kind,
        id: &str,
    ) -> Result<Resource, ScimFailure> {
        Ok(self.current(token, kind, id).await?.1)
    }

    /// Creates a user (a member) or a group (a top-level department).
    ///
    /// # Errors
    /// `invalidValue`/`invalidSyntax` for a document namecard cannot keep, `uniqueness` (409)
    /// for a taken userName or top-level department name.
    pub async fn create(
        &self,
        token: &ScimToken,
        kind: Kind,
        body: Value,
    ) -> Result<Resource, ScimFailure> {
        match kind {
            Kind::User => self.create_user(token, body).await,
            Kind::Group => self.create_group(token, body).await,
        }
    }

    /// Replaces a resource with `body` (RFC 7644 §3.5.1); `if_match` an ETag the current
    /// version must have.
    ///
    /// # Errors
    /// As [`Self::create`]; 404; 412 when `if_match` names another version.
    pub async fn replace(
        &self,
        token: &ScimToken,
        kind: Kind,
        id: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> Result<Resource, ScimFailure> {
        let body = normalized(body, kind.schema())?;
        self.read_modify_write(token, kind, id, if_match, |current| {
            let mut doc = body.clone();
            keep_read_only(&mut doc, current);
            Ok(doc)
        })
        .await
    }

    /// Applies PATCH operations (RFC 7644 §3.5.2) to the resource's document, then writes the
    /// result as [`Self::replace`] does.
    ///
    /// # Errors
    /// As [`Self::replace`]; `invalidPath`, `noTarget`, `mutability` for operations that do not
    /// apply.
    pub async fn patch(
        &self,
        token: &ScimToken,
        kind: Kind,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Resource, ScimFailure> {
        let operations = patch::parse_patch(body)?;
        self.read_modify_write(token, kind, id, if_match, |current| {
            let mut doc = current.clone();
            patch::apply(&mut doc, &operations, kind.schema())?;
            normalized(doc, kind.schema())
        })
        .await
    }

    /// Reads the resource, makes its new document with `change`, and writes it only if the
    /// resource is still the version read (checked in the writing transaction): a concurrent
    /// change in between is never overwritten. Under `If-Match` that is 412; without, the
    /// request is made again on the newer version (a few times, then 412 too).
    async fn read_modify_write(
        &self,
        token: &ScimToken,
        kind: Kind,
        id: &str,
        if_match: Option<&str>,
        change: impl Fn(&Value) -> Result<Value, ScimError>,
    ) -> Result<Resource, ScimFailure> {
        let mut tries = 0;
        loop {
            let (current, resource) = self.current(token, kind, id).await?;
            check_version(&resource, if_match)?;
            let doc = change(&resource.body)?;
            // A change that changes nothing (identity providers repeat their values on every
            // sync) writes nothing and audits nothing.
            if normalized(doc.clone(), kind.schema())?
                == normalized(resource.body.clone(), kind.schema())?
            {
                return Ok(resource);
            }
            match self.write(token, &current, &doc, &resource.version).await {
                Err(ScimFailure::Store(StoreError::Conflict(Conflict::ScimVersion)))
                    if if_match.is_none() && tries < 3 =>
                {
                    tries += 1;
                }
                Err(ScimFailure::Store(StoreError::Conflict(Conflict::ScimVersion))) => {
                    return Err(changed_meanwhile().into());
                }
                done => return done,
            }
        }
    }

    /// Deletes a resource. A user's member is deactivated (their cards revoked) and SCIM no
    /// longer sees it, the organization's records of it stay; a group's department is deleted,
    /// its members stay in the organization.
    ///
    /// # Errors
    /// 404; 412 when `if_match` names another version; 409 for a department with
    /// sub-departments or one that answers a contact way.
    pub async fn delete(
        &self,
        token: &ScimToken,
        kind: Kind,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), ScimFailure> {
        let (current, resource) = self.current(token, kind, id).await?;
        check_version(&resource, if_match)?;
        // Under If-Match, the version is checked again in the deleting transaction.
        let expected = if_match.map(|_| resource.version.as_str());
        let deleted = match current {
            Current::User(u) => {
                let audit = self.audit(token, "member.scim_delete");
                let check = |now: &ScimUser| self.user_version_is(now, expected);
                let guard: Guard<'_, ScimUser> = expected.map(|_| &check as _);
                self.store
                    .scim_delete_user(token.org_id, u.member.id, &audit, guard)
                    .await
                    .map(|()| true)
            }
            Current::Group(g) => {
                let audit = self.audit(token, "department.deleted");
                let check = |now: &ScimGroup| self.group_version_is(now, expected);
                let guard: Guard<'_, ScimGroup> = expected.map(|_| &check as _);
                self.store
                    .scim_delete_group(token.org_id, g.department.id, &audit, guard)
                    .await
                    .map(|()| false)
            }
        };
        match deleted {
            Ok(true) => self.keys.revocations_changed().await,
            Ok(false) => {}
            Err(StoreError::Conflict(Conflict::ScimVersion)) => {
                return Err(changed_meanwhile().into());
            }
            Err(e) => return Err(group_errors(e)),
        }
        Ok(())
    }

    async fn current(
        &self,
        token: &ScimToken,
        kind: Kind,
        id: &str,
    ) -> Result<(Current, Resource), ScimFailure> {
        Ok(match kind {
            Kind::User => {
                let user = self.find_user(token.org_id, id).await?;
                let resource = self.user_resource(&user)?;
                (Current::User(user), resource)
            }
            Kind::Group => {
                let group = self.find_group(token.org_id, id).await?;
                let resource = self.group_resource(&group);
                (Current::Group(group), resource)
            }
        })
    }

    /// Writes `doc` over the resource read as `current`, if it is still `version`.
    async fn write(
        &self,
        token: &ScimToken,
        current: &Current,
        doc: &Value,
        version: &str,
    ) -> Result<Resource, ScimFailure> {
        match current {
            Current::User(u) => self.write_user(token, u, doc, version).await,
            Current::Group(g) => self.write_group(token, g, doc, version).await,
        }
    }

    /// Whether `user` is (still) at version `expected` (`None`: any).
    fn user_version_is(&self, user: &ScimUser, expected: Option<&str>) -> bool {
        expected.is_none_or(|v| self.user_doc(user).is_ok_and(|d| version_of(&d) == v))
    }

    /// Whether `group` is (still) at version `expected` (`None`: any).
    fn group_version_is(&self, group: &ScimGroup, expected: Option<&str>) -> bool {
        expected.is_none_or(|v| version_of(&self.group_doc(group)) == v)
    }

    // ---- Users -------------------------------------------------------------------------

    /// A page of the organization's users matching the filter.
    ///
    /// # Errors
    /// `invalidFilter` for a filter that does not parse; when the store fails.
    async fn list_users(&self, token: &ScimToken, query: &ListQuery) -> Result<Value, ScimFailure> {
        let (start, count) = paging(query)?;
        let filter = query.filter.as_deref().map(parse_filter).transpose()?;
        let org = token.org_id;
        let Some(filter) = filter else {
            let total = self.store.count_scim_users(org).await?;
            let users = self
                .store
                .scim_users(
                    org,
                    UserLookup::Page {
                        offset: start - 1,
                        limit: count,
                    },
                )
                .await?;
            let docs = users
                .iter()
                .map(|u| self.user_doc(u))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(list_response(total, start, docs));
        };
        // `userName eq`, `externalId eq` and `id eq` (what identity providers send before each
        // creation) are answered by an index; anything else is evaluated on every user.
        let lookup = match filter.equality() {
            Some((name, Value::String(v))) if name.eq_ignore_ascii_case("userName") => {
                UserLookup::UserName(v)
            }
            Some((name, Value::String(v))) if name.eq_ignore_ascii_case("externalId") => {
                UserLookup::ExternalId(v)
            }
            Some((name, Value::String(v))) if name.eq_ignore_ascii_case("id") => {
                match v.parse::<i64>() {
                    Ok(id) => UserLookup::Id(MemberId::new(id)),
                    Err(_) => return Ok(list_response(0, start, Vec::new())),
                }
            }
            _ => UserLookup::All,
        };
        let users = self.store.scim_users(org, lookup).await?;
        let mut matched = Vec::new();
        for u in &users {
            let doc = self.user_doc(u)?;
            if filter.matches(&doc, &USER) {
                matched.push(doc);
            }
        }
        Ok(page_of(matched, start, count))
    }

    /// Creates a user (a member of the token's organization).
    ///
    /// # Errors
    /// `invalidValue`/`invalidSyntax` for a document namecard cannot keep, `uniqueness` (409)
    /// for a taken userName.
    async fn create_user(&self, token: &ScimToken, body: Value) -> Result<Resource, ScimFailure> {
        let fields = UserFields::from_doc(&normalized(body, &USER)?)?;
        let member = NewMember {
            display_name: fields.display_name.clone(),
            employee_id: fields.employee_id.clone(),
            title: fields.title.clone(),
            mobile: fields.mobile.clone(),
            phone_discoverable: false,
            email: fields.email.clone(),
        };
        let user = self
            .store
            .scim_create_user(
                token.org_id,
                &member,
                &fields.extra,
                &self.audit(token, "member.create"),
            )
            .await
            .map_err(uniqueness)?;
        if !fields.extra.active {
            self.keys.revocations_changed().await;
        }
        self.user_resource(&user)
    }

    async fn write_user(
        &self,
        token: &ScimToken,
        current: &ScimUser,
        doc: &Value,
        version: &str,
    ) -> Result<Resource, ScimFailure> {
        let fields = UserFields::from_doc(doc)?;
        let m = &current.member;
        let patch = MemberPatch {
            display_name: Some(fields.display_name.clone()),
            employee_id: (fields.employee_id.as_str() != m.employee_id)
                .then(|| fields.employee_id.clone()),
            title: Some(fields.title.clone()),
            mobile: Some(fields.mobile.clone()),
            email: Some(fields.email.clone()),
            ..MemberPatch::default()
        };
        let was_active = m.status == MemberStatus::Active;
        let check = |now: &ScimUser| self.user_version_is(now, Some(version));
        let user = self
            .store
            .scim_update_user(
                token.org_id,
                m.id,
                &patch,
                &fields.extra,
                &self.audit(token, "member.update"),
                Some(&check),
            )
            .await
            .map_err(uniqueness)?;
        if was_active && !fields.extra.active {
            self.keys.revocations_changed().await;
        }
        self.user_resource(&user)
    }

    async fn find_user(&self, org: OrgId, id: &str) -> Result<ScimUser, ScimFailure> {
        let id = parse_id(id, "User")?;
        self.store
            .scim_users(org, UserLookup::Id(MemberId::new(id)))
            .await?
            .pop()
            .ok_or_else(|| ScimError::not_found(format!("no User {id}")).into())
    }

    fn user_resource(&self, user: &ScimUser) -> Result<Resource, ScimFailure> {
        let body = self.user_doc(user)?;
        Ok(Resource {
            version: version_of(&body),
            body,
        })
    }

    /// The user's document: what the provider sent, with the member's own fields (which an
    /// admin may have changed since) written over it.
    fn user_doc(&self, u: &ScimUser) -> Result<Value, ScimFailure> {
        let m = &u.member;
        let mut doc = match &u.attributes {
            Some(raw) => crate::store::scim::parse_attributes(raw)?,
            None => json!({}),
        };
        let Value::Object(map) = &mut doc else {
            return Err(
                StoreError::Corrupt("scim_users.attributes is not an object".into()).into(),
            );
        };
        map.insert("schemas".into(), json!([USER_URN]));
        map.insert("id".into(), json!(m.id.to_string()));
        if let Some(e) = &u.external_id {
            map.insert("externalId".into(), json!(e));
        }
        map.insert("userName".into(), json!(m.employee_id));
        // The provider's displayName (or the admin's change since), not one derived for it.
        let written_by_scim = u.attributes.is_some();
        if !written_by_scim
            || map.contains_key("displayName")
            || m.display_name != derived_name(map.get("name"), &m.employee_id)
        {
            map.insert("displayName".into(), json!(m.display_name));
        }
        match &m.title {
            Some(t) => map.insert("title".into(), json!(t)),
            None => map.remove("title"),
        };
        let active = m.status == MemberStatus::Active;
        if !written_by_scim || map.contains_key("active") || !active {
            map.insert("active".into(), json!(active));
        }
        overlay(map, "emails", m.email.as_deref(), email_slot, "work");
        overlay(
            map,
            "phoneNumbers",
            m.mobile.as_deref(),
            mobile_slot,
            "mobile",
        );
        if u.groups.is_empty() {
            map.remove("groups");
        } else {
            let groups: Vec<Value> = u
                .groups
                .iter()
                .map(|(id, name)| {
                    json!({"value": id.to_string(), "display": name,
                           "$ref": format!("{}/Groups/{id}", self.base), "type": "direct"})
                })
                .collect();
            map.insert("groups".into(), Value::Array(groups));
        }
        let location = format!("{}/Users/{}", self.base, m.id);
        map.insert(
            "meta".into(),
            meta("User", m.created_at, u.updated_at, &location),
        );
        let version = version_of(&doc);
        if let Some(meta) = doc.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("version".into(), json!(version));
        }
        Ok(doc)
    }

    // ---- Groups ------------------------------------------------------------------------

    /// A page of the organization's groups (departments) matching the filter.
    ///
    /// # Errors
    /// `invalidFilter`; when the store fails.
    async fn list_groups(
        &self,
        token: &ScimToken,
        query: &ListQuery,
    ) -> Result<Value, ScimFailure> {
        let (start, count) = paging(query)?;
        let filter = query.filter.as_deref().map(parse_filter).transpose()?;
        let lookup = match filter.as_ref().and_then(Filter::equality) {
            Some((name, Value::String(v))) if name.eq_ignore_ascii_case("displayName") => {
                GroupLookup::DisplayName(v)
            }
            Some((name, Value::String(v))) if name.eq_ignore_ascii_case("externalId") => {
                GroupLookup::ExternalId(v)
            }
            Some((name, Value::String(v))) if name.eq_ignore_ascii_case("id") => {
                match v.parse::<i64>() {
                    Ok(id) => GroupLookup::Id(DepartmentId::new(id)),
                    Err(_) => return Ok(list_response(0, start, Vec::new())),
                }
            }
            _ => GroupLookup::All,
        };
        // Members are needed to answer when asked for, and to evaluate a filter on them.
        let filter_needs_members = query
            .filter
            .as_deref()
            .is_some_and(|f| f.to_ascii_lowercase().contains("members"));
        let with_members = !query.without_members || filter_needs_members;
        let groups = self
            .store
            .scim_groups(token.org_id, lookup, with_members)
            .await?;
        let mut matched = Vec::new();
        for g in &groups {
            let mut doc = self.group_doc(g);
            if filter.as_ref().is_none_or(|f| f.matches(&doc, &GROUP)) {
                if query.without_members
                    && let Some(map) = doc.as_object_mut()
                {
                    map.remove("members");
                }
                matched.push(doc);
            }
        }
        Ok(page_of(matched, start, count))
    }

    /// Creates a group: a top-level department.
    ///
    /// # Errors
    /// `invalidValue` for a bad displayName or member; `uniqueness` (409) for a top-level
    /// department of that name.
    async fn create_group(&self, token: &ScimToken, body: Value) -> Result<Resource, ScimFailure> {
        let fields = GroupFields::from_doc(&normalized(body, &GROUP)?)?;
        let group = self
            .store
            .scim_create_group(
                token.org_id,
                &fields.name,
                fields.external_id.as_deref(),
                &fields.members,
                &self.audit(token, "department.created"),
            )
            .await
            .map_err(group_errors)?;
        Ok(self.group_resource(&group))
    }

    async fn write_group(
        &self,
        token: &ScimToken,
        current: &ScimGroup,
        doc: &Value,
        version: &str,
    ) -> Result<Resource, ScimFailure> {
        let fields = GroupFields::from_doc(doc)?;
        let change = GroupChange {
            name: (fields.name.as_str() != current.department.name).then(|| fields.name.clone()),
            external_id: Some(fields.external_id.clone()),
            members: Some(MembersChange {
                add: fields.members.clone(),
                remove: Vec::new(),
                replace: true,
            }),
        };
        let group = self
            .store
            .scim_update_group(
                token.org_id,
                current.department.id,
                &change,
                &self.audit(token, "department.updated"),
                Some(&|now: &ScimGroup| self.group_version_is(now, Some(version))),
            )
            .await
            .map_err(group_errors)?;
        Ok(self.group_resource(&group))
    }

    async fn find_group(&self, org: OrgId, id: &str) -> Result<ScimGroup, ScimFailure> {
        let id = parse_id(id, "Group")?;
        self.store
            .scim_groups(org, GroupLookup::Id(DepartmentId::new(id)), true)
            .await?
            .pop()
            .ok_or_else(|| ScimError::not_found(format!("no Group {id}")).into())
    }

    fn group_resource(&self, group: &ScimGroup) -> Resource {
        let body = self.group_doc(group);
        Resource {
            version: version_of(&body),
            body,
        }
    }

    fn group_doc(&self, g: &ScimGroup) -> Value {
        let d = &g.department;
        let mut map = Map::new();
        map.insert("schemas".into(), json!([GROUP_URN]));
        map.insert("id".into(), json!(d.id.to_string()));
        if let Some(e) = &g.external_id {
            map.insert("externalId".into(), json!(e));
        }
        map.insert("displayName".into(), json!(d.name));
        if !g.members.is_empty() {
            let members: Vec<Value> = g
                .members
                .iter()
                .map(|(id, _)| {
                    json!({"value": id.to_string(), "type": "User",
                           "$ref": format!("{}/Users/{id}", self.base)})
                })
                .collect();
            map.insert("members".into(), Value::Array(members));
        }
        let location = format!("{}/Groups/{}", self.base, d.id);
        map.insert(
            "meta".into(),
            meta(
                "Group",
                d.created_at,
                g.updated_at.max(d.updated_at),
                &location,
            ),
        );
        let mut doc = Value::Object(map);
        let version = version_of(&doc);
        if let Some(meta) = doc.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("version".into(), json!(version));
        }
        doc
    }

    // ---- Discovery ---------------------------------------------------------------------

    /// `/ServiceProviderConfig` (RFC 7643 §5).
    pub fn service_provider_config(&self) -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/namecard/namecard#provisioning-with-scim",
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_PAGE},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "An organization's SCIM token, created by its admin (POST /v1/orgs/{org}/scim/tokens)",
                "primary": true
            }],
            "meta": {"resourceType": "ServiceProviderConfig",
                     "location": format!("{}/ServiceProviderConfig", self.base)}
        })
    }

    /// `/ResourceTypes` entries (RFC 7643 §6).
    pub fn resource_types(&self) -> Vec<Value> {
        [("User", "/Users", USER_URN), ("Group", "/Groups", GROUP_URN)]
            .into_iter()
            .map(|(name, endpoint, urn)| {
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                    "id": name,
                    "name": name,
                    "endpoint": endpoint,
                    "description": if name == "User" { "Members of the organization" } else { "Departments of the organization" },
                    "schema": urn,
                    "schemaExtensions": [],
                    "meta": {"resourceType": "ResourceType",
                             "location": format!("{}/ResourceTypes/{name}", self.base)}
                })
            })
            .collect()
    }

    /// `/Schemas` entries (RFC 7643 §7).
    pub fn schemas(&self) -> Vec<Value> {
        [(&USER, USER_URN), (&GROUP, GROUP_URN)]
            .into_iter()
            .map(|(s, urn)| schema::schema_json(s, &format!("{}/Schemas/{urn}", self.base)))
            .collect()
    }

    /// A list response of discovery documents (they are few: no paging).
    pub fn list_of(docs: Vec<Value>) -> Value {
        let n = i64::try_from(docs.len()).unwrap_or(i64::MAX);
        list_response(n, 1, docs)
    }
}

/// The fields of a member a user document gives.
struct UserFields {
    employee_id: EmployeeId,
    display_name: DisplayName,
    title: Option<Title>,
    email: Option<Email>,
    mobile: Option<Mobile>,
    extra: UserExtra,
}

impl UserFields {
    fn from_doc(doc: &Value) -> Result<Self, ScimError> {
        let text = |name: &str| doc.get(name).and_then(Value::as_str);
        let user_name =
            text("userName").ok_or_else(|| ScimError::invalid_value("userName is required"))?;
        let employee_id = EmployeeId::parse(user_name)
            .map_err(|e| ScimError::invalid_value(format!("userName: {}", e.message)))?;
        let shown = text("displayName")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| derived_name(doc.get("name"), user_name));
        let display_name = DisplayName::parse(&shown)
            .map_err(|e| ScimError::invalid_value(format!("displayName: {}", e.message)))?;
        let title = match text("title").map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(
                Title::parse(t)
                    .map_err(|e| ScimError::invalid_value(format!("title: {}", e.message)))?,
            ),
            None => None,
        };
        let email = match slot_value(doc, "emails", email_slot) {
            Some(v) => Some(
                Email::parse(v)
                    .map_err(|e| ScimError::invalid_value(format!("emails: {}", e.message)))?,
            ),
            None => None,
        };
        let mobile = match slot_value(doc, "phoneNumbers", mobile_slot) {
            Some(v) => {
                let number = v.strip_prefix("tel:").unwrap_or(v);
                Some(Mobile::parse(number).map_err(|e| {
                    ScimError::invalid_value(format!("phoneNumbers: {}", e.message))
                })?)
            }
            None => None,
        };
        let active = match doc.get("active") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ScimError::invalid_value("active must be true or false")),
        };
        let external_id = external_id(doc)?;
        // What is kept beyond the member's columns: the name's parts and every address and
        // number with its type (the member's own are written over them when read).
        // displayName and active are kept to say the provider gave them: without them the
        // member's are derived (and not shown as if the provider had sent them).
        let mut kept = Map::new();
        for key in ["name", "emails", "phoneNumbers", "displayName", "active"] {
            if let Some(v) = doc.get(key).filter(|v| !v.is_null()) {
                kept.insert(key.into(), v.clone());
            }
        }
        let attributes = Value::Object(kept).to_string();
        if attributes.len() > MAX_ATTRIBUTES {
            return Err(ScimError::invalid_value(format!(
                "the user's name, emails and phoneNumbers take more than {MAX_ATTRIBUTES} bytes"
            )));
        }
        Ok(Self {
            employee_id,
            display_name,
            title,
            email,
            mobile,
            extra: UserExtra {
                active,
                external_id,
                attributes,
            },
        })
    }
}

/// The fields of a department a group document gives.
struct GroupFields {
    name: DepartmentName,
    external_id: Option<String>,
    members: Vec<MemberId>,
}

impl GroupFields {
    fn from_doc(doc: &Value) -> Result<Self, ScimError> {
        let shown = doc
            .get("displayName")
            .and_then(Value::as_str)
            .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
        let name = DepartmentName::parse(shown)
            .map_err(|e| ScimError::invalid_value(format!("displayName: {}", e.message)))?;
        let mut members = Vec::new();
        for m in doc
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(kind) = m.get("type").and_then(Value::as_str)
                && !kind.eq_ignore_ascii_case("User")
            {
                return Err(ScimError::invalid_value(
                    "members: namecard's groups hold users only, not groups",
                ));
            }
            let value = m
                .get("value")
                .and_then(Value::as_str)
                .ok_or_else(|| ScimError::invalid_value("members: each needs a value"))?;
            let id = value
                .parse::<i64>()
                .map_err(|_| ScimError::invalid_value(format!("members: no User {value}")))?;
            if !members.contains(&MemberId::new(id)) {
                members.push(MemberId::new(id));
            }
        }
        Ok(Self {
            name,
            external_id: external_id(doc)?,
            members,
        })
    }
}

/// A member's name when the provider gives no displayName: the name it formatted, or given and
/// family names in the order their script writes them (张 + 伟 is 张伟, Ada + King is Ada King),
/// or at last the userName.
fn derived_name(name: Option<&Value>, user_name: &str) -> String {
    let part = |part: &str| {
        name.and_then(|n| n.get(part))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let composed = match (part("givenName"), part("familyName")) {
        (Some(given), Some(family)) if is_han(family) && is_han(given) => {
            Some(format!("{family}{given}"))
        }
        (Some(given), Some(family)) => Some(format!("{given} {family}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    };
    part("formatted")
        .map(str::to_owned)
        .or(composed)
        .unwrap_or_else(|| user_name.to_owned())
}

fn external_id(doc: &Value) -> Result<Option<String>, ScimError> {
    match doc.get("externalId") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_EXTERNAL_ID && !s.contains('\0') => {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(ScimError::invalid_value(format!(
            "externalId must be a string of at most {MAX_EXTERNAL_ID} characters"
        ))),
    }
}

fn is_han(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
    })
}

/// Which of a user's e-mail addresses is the member's: the primary one, else the first of type
/// work, else the first.
fn email_slot(items: &[Value]) -> Option<usize> {
    slot(items, "work")
}

/// Which of a user's phone numbers is the member's mobile: the first of type mobile, else the
/// primary one when it has no type, else the only one when it has no type.
fn mobile_slot(items: &[Value]) -> Option<usize> {
    let kind = |v: &Value| {
        v.get("type")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    items
        .iter()
        .position(|v| kind(v).as_deref() == Some("mobile"))
        .or_else(|| {
            items
                .iter()
                .position(|v| v.get("primary") == Some(&Value::Bool(true)) && kind(v).is_none())
        })
        .or_else(|| (items.len() == 1 && kind(&items[0]).is_none()).then_some(0))
}

fn slot(items: &[Value], preferred: &str) -> Option<usize> {
    items
        .iter()
        .position(|v| v.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| {
            items.iter().position(|v| {
                v.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case(preferred))
            })
        })
        .or_else(|| (!items.is_empty()).then_some(0))
}

fn slot_value<'a>(
    doc: &'a Value,
    key: &str,
    pick: fn(&[Value]) -> Option<usize>,
) -> Option<&'a str> {
    let items = doc.get(key)?.as_array()?;
    let v = items.get(pick(items)?)?.get("value")?.as_str()?.trim();
    (!v.is_empty()).then_some(v)
}

/// Writes the member's own value into the multi-valued attribute `key` at the slot `pick`
/// chooses (adding an entry of type `kind` when there is none, dropping it when the member has
/// no value).
fn overlay(
    map: &mut Map<String, Value>,
    key: &str,
    own: Option<&str>,
    pick: fn(&[Value]) -> Option<usize>,
    kind: &str,
) {
    let mut items = match map.remove(key) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let at = pick(&items);
    match (own, at) {
        (Some(v), Some(i)) => {
            if let Some(Value::Object(item)) = items.get_mut(i) {
                item.insert("value".into(), json!(v));
            }
        }
        (Some(v), None) => items.push(json!({"value": v, "type": kind, "primary": true})),
        (None, Some(i)) => {
            items.remove(i);
        }
        (None, None) => {}
    }
    if !items.is_empty() {
        map.insert(key.into(), Value::Array(items));
    }
}

/// A request's document checked against `schema`: `schemas` names the resource's schema,
/// attribute names take the schema's spelling, Entra's string booleans become booleans, values
/// have the declared types; attributes RFC 7643 defines that namecard does not keep are
/// dropped, unknown ones refused.
fn normalized(body: Value, schema: &Schema) -> Result<Value, ScimError> {
    let Value::Object(mut map) = body else {
        return Err(ScimError::invalid_syntax("the body must be a JSON object"));
    };
    if let Some(schemas) = map.get("schemas") {
        let urn = schema.id;
        let names_it = schemas.as_array().is_some_and(|a| {
            a.iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
        });
        if !names_it {
            return Err(ScimError::invalid_syntax(format!(
                "schemas must include {urn}"
            )));
        }
    }
    // Read-only attributes in a request are ignored (RFC 7644 §3.5.1); the caller keeps the
    // current ones.
    for key in ["schemas", "id", "meta", "groups"] {
        map.remove(key);
    }
    let mut doc = Value::Object(Map::new());
    let ops = vec![patch::Operation {
        op: patch::OpKind::Replace,
        path: None,
        value: Some(Value::Object(map)),
    }];
    patch::apply(&mut doc, &ops, schema)?;
    if let Value::Object(out) = &mut doc {
        out.insert("schemas".into(), json!([schema.id]));
    }
    Ok(doc)
}

/// A replaced resource keeps its id and meta (read-only: RFC 7644 §3.5.1 says they are ignored).
fn keep_read_only(doc: &mut Value, current: &Value) {
    if let (Value::Object(d), Value::Object(c)) = (doc, current) {
        for key in ["id", "meta", "groups"] {
            d.remove(key);
            if let Some(v) = c.get(key) {
                d.insert(key.into(), v.clone());
            }
        }
    }
}

fn changed_meanwhile() -> ScimError {
    ScimError::precondition_failed("the resource changed meanwhile; read it again")
}

fn check_version(resource: &Resource, if_match: Option<&str>) -> Result<(), ScimError> {
    match if_match.map(str::trim) {
        None | Some("*") => Ok(()),
        Some(tags)
            if tags
                .split(',')
                .any(|t| weak_eq(t.trim(), &resource.version)) =>
        {
            Ok(())
        }
        Some(_) => Err(ScimError::precondition_failed(
            "the resource changed since that version (If-Match)",
        )),
    }
}

/// Compares ETags as RFC 9110's weak comparison does (`W/` ignored).
fn weak_eq(a: &str, b: &str) -> bool {
    a.trim_start_matches("W/") == b.trim_start_matches("W/")
}

/// The version of a resource: a hash of everything in it but `meta`.
fn version_of(doc: &Value) -> String {
    let mut copy = doc.clone();
    if let Value::Object(map) = &mut copy {
        map.remove("meta");
    }
    let digest = Sha256::digest(copy.to_string().as_bytes());
    format!("W/\"{}\"", hex::encode(&digest[..12]))
}

fn meta(kind: &str, created: i64, modified: i64, location: &str) -> Value {
    json!({
        "resourceType": kind,
        "created": timestamp(created),
        "lastModified": timestamp(modified),
        "location": location,
    })
}

fn timestamp(at: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(at).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}

fn parse_id(id: &str, kind: &str) -> Result<i64, ScimError> {
    id.parse::<i64>()
        .map_err(|_| ScimError::not_found(format!("no {kind} {}", id.escape_debug())))
}

fn paging(query: &ListQuery) -> Result<(i64, i64), ScimError> {
    // RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count 0.
    let start = query.start_index.unwrap_or(1).max(1);
    let count = query.count.unwrap_or(100).clamp(0, MAX_PAGE);
    Ok((start, count))
}

fn page_of(all: Vec<Value>, start: i64, count: i64) -> Value {
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(0);
    list_response(
        total,
        start,
        all.into_iter().skip(skip).take(take).collect(),
    )
}

fn list_response(total: i64, start: i64, docs: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_URN],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": docs.len(),
        "Resources": docs,
    })
}

/// A taken userName is SCIM's `uniqueness` (409).
fn uniqueness(e: StoreError) -> ScimFailure {
    match e {
        StoreError::Conflict(crate::store::Conflict::EmployeeId) => {
            ScimError::uniqueness("userName is taken in the organization").into()
        }
        e => e.into(),
    }
}

/// A taken top-level name is `uniqueness` (409); a member outside the organization an invalid
/// value; a department the tree keeps (sub-departments, a contact way) 409.
fn group_errors(e: StoreError) -> ScimFailure {
    match e {
        StoreError::Conflict(crate::store::Conflict::Department) => {
            ScimError::uniqueness("a top-level department has this displayName").into()
        }
        StoreError::NotFound("member") => {
            ScimError::invalid_value("members: a value names no User of the organization").into()
        }
        // A department the tree keeps (sub-departments, a contact way) answers 409 as every
        // tree refusal does (`http::scim`).
        e => e.into(),
    }
}

/// The attributes of `doc` a request asked for (RFC 7644 §3.9): only `attributes` when given
/// (with `id` and `schemas`, always returned), else all but `excluded`. Names compare without
/// regard to case, with or without the schema's URN; `name.givenName` names a sub-attribute.
pub fn project(doc: &Value, attributes: Option<&[String]>, excluded: Option<&[String]>) -> Value {
    let Value::Object(map) = doc else {
        return doc.clone();
    };
    let bare = |name: &str| -> String {
        let name = [USER_URN, GROUP_URN]
            .iter()
            .find_map(|urn| {
                name.get(..urn.len())
                    .filter(|p| p.eq_ignore_ascii_case(urn))
                    .and_then(|_| name.get(urn.len() + 1..))
            })
            .unwrap_or(name);
        name.to_ascii_lowercase()
    };
    let always = |key: &str| key == "id" || key == "schemas";
    match (attributes, excluded) {
        (Some(wanted), _) if !wanted.is_empty() => {
            let wanted: Vec<String> = wanted.iter().map(|w| bare(w)).collect();
            let mut out = Map::new();
            for (key, value) in map {
                let k = key.to_ascii_lowercase();
                if always(key) || wanted.contains(&k) {
                    out.insert(key.clone(), value.clone());
                    continue;
                }
                let subs: Vec<&str> = wanted
                    .iter()
                    .filter_map(|w| w.strip_prefix(&format!("{k}.")))
                    .collect();
                if subs.is_empty() {
                    continue;
                }
                let pick = |v: &Value| match v {
                    Value::Object(o) => Value::Object(
                        o.iter()
                            .filter(|(s, _)| subs.contains(&s.to_ascii_lowercase().as_str()))
                            .map(|(s, v)| (s.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                };
                let projected = match value {
                    Value::Array(items) => Value::Array(items.iter().map(pick).collect()),
                    other => pick(other),
                };
                out.insert(key.clone(), projected);
            }
            Value::Object(out)
        }
        (_, Some(unwanted)) => {
            let unwanted: Vec<String> = unwanted.iter().map(|w| bare(w)).collect();
            let mut out = Map::new();
            for (key, value) in map {
                let k = key.to_ascii_lowercase();
                if !always(key) && unwanted.contains(&k) {
                    continue;
                }
                let subs: Vec<&str> = unwanted
                    .iter()
                    .filter_map(|w| w.strip_prefix(&format!("{k}.")))
                    .collect();
                let drop = |v: &Value| match v {
                    Value::Object(o) => Value::Object(
                        o.iter()
                            .filter(|(s, _)| !subs.contains(&s.to_ascii_lowercase().as_str()))
                            .map(|(s, v)| (s.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                };
                let kept = match value {
                    Value::Array(items) if !subs.is_empty() => {
                        Value::Array(items.iter().map(drop).collect())
                    }
                    other if !subs.is_empty() => drop(other),
                    other => other.clone(),
                };
                out.insert(key.clone(), kept);
            }
            Value::Object(out)
        }
        _ => doc.clone(),
    }
}
