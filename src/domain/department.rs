//! Departments: each organization's tree (WeCom's 部门). A member belongs to any number of
//! departments; the directory is browsed and searched within a department and everything under
//! it, and a contact way can be answered by a department.
//!
//! The tree's rules are pure functions here: a department cannot move under itself or one of
//! its descendants, and no branch is deeper than [`MAX_DEPTH`] (WeCom's limit, which also keeps
//! the recursive queries bounded).

use super::{DepartmentId, DomainError, OrgId, text_type};
use std::collections::HashMap;

text_type!(
    /// A department's name, 1 to 64 characters, unique among its siblings.
    DepartmentName, "name", 64
);

/// The deepest a department may sit: a top-level department is at depth 1.
pub const MAX_DEPTH: usize = 15;

/// The most departments one organization may have.
pub const MAX_DEPARTMENTS: usize = 10_000;

/// A department as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub id: DepartmentId,
    pub org_id: OrgId,
    pub name: String,
    /// `None`: a top-level department.
    pub parent: Option<DepartmentId>,
    /// Siblings are shown by this order, then by id.
    pub order: i64,
    /// Members directly in this department (not in its sub-departments), active or not.
    pub members: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A department to create.
#[derive(Debug, Clone)]
pub struct NewDepartment {
    pub org_id: OrgId,
    pub name: DepartmentName,
    pub parent: Option<DepartmentId>,
    pub order: i64,
}

/// A change to a department; `None` keeps a field. `parent: Some(None)` moves it to the top.
#[derive(Debug, Clone, Default)]
pub struct DepartmentPatch {
    pub name: Option<DepartmentName>,
    pub parent: Option<Option<DepartmentId>>,
    pub order: Option<i64>,
}

/// Why a change to the tree is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The new parent is the department itself or one of its descendants.
    #[error("parent_id: a department cannot move under itself or one of its sub-departments")]
    Cycle,
    /// The change would put a department deeper than [`MAX_DEPTH`].
    #[error("parent_id: departments nest at most {MAX_DEPTH} deep")]
    TooDeep,
    /// The parent is not a department of the organization.
    #[error("parent_id: no such department")]
    NoParent,
    /// The organization has [`MAX_DEPARTMENTS`] already.
    #[error("an organization has at most {MAX_DEPARTMENTS} departments")]
    TooMany,
    /// A department with sub-departments cannot be deleted: move or delete them first.
    #[error("the department has sub-departments: move or delete them first")]
    HasChildren,
    /// A department that answers a contact way cannot be deleted.
    #[error("the department answers a contact way: change or delete the way first")]
    AnswersWay,
}

/// An organization's tree as parent links, to check a change before it is written.
#[derive(Debug, Default)]
pub struct Tree {
    parent: HashMap<DepartmentId, Option<DepartmentId>>,
}

impl Tree {
    /// The tree of these `(department, parent)` links.
    pub fn new(links: impl IntoIterator<Item = (DepartmentId, Option<DepartmentId>)>) -> Self {
        Self {
            parent: links.into_iter().collect(),
        }
    }

    /// Whether `id` is one of the tree's departments.
    pub fn contains(&self, id: DepartmentId) -> bool {
        self.parent.contains_key(&id)
    }

    /// The depth of `id` (1 at the top), or `None` when it is not in the tree. A stored cycle
    /// (which the store never writes) reads as too deep rather than looping.
    fn depth(&self, id: DepartmentId) -> Option<usize> {
        let mut depth = 0;
        let mut at = Some(id);
        while let Some(d) = at {
            depth += 1;
            if depth > MAX_DEPTH + 1 {
                return Some(depth);
            }
            at = *self.parent.get(&d)?;
        }
        Some(depth)
    }

    /// How many levels `id` and its descendants span (1 for a leaf).
    fn height(&self, id: DepartmentId) -> usize {
        let mut children: HashMap<DepartmentId, Vec<DepartmentId>> = HashMap::new();
        for (&child, &parent) in &self.parent {
            if let Some(p) = parent {
                children.entry(p).or_default().push(child);
            }
        }
        let mut height = 0;
        let mut level = vec![id];
        while !level.is_empty() && height <= MAX_DEPTH {
            height += 1;
            level = level
                .iter()
                .flat_map(|d| children.get(d).into_iter().flatten().copied())
                .collect();
        }
        height
    }

    /// Whether `ancestor` is `id` or above it.
    fn is_at_or_above(&self, ancestor: DepartmentId, id: DepartmentId) -> bool {
        let mut at = Some(id);
        let mut steps = 0;
        while let Some(d) = at {
            if d == ancestor {
                return true;
            }
            steps += 1;
            if steps > MAX_DEPTH + 1 {
                return true;
            }
            at = self.parent.get(&d).copied().flatten();
        }
        false
    }

    /// Checks that a new department may go under `parent`.
    ///
    /// # Errors
    /// `NoParent`, `TooDeep` or `TooMany`.
    pub fn check_create(&self, parent: Option<DepartmentId>) -> Result<(), TreeError> {
        if self.parent.len() >= MAX_DEPARTMENTS {
            return Err(TreeError::TooMany);
        }
        match parent {
            None => Ok(()),
            Some(p) => match self.depth(p) {
                None => Err(TreeError::NoParent),
                Some(d) if d >= MAX_DEPTH => Err(TreeError::TooDeep),
                Some(_) => Ok(()),
            },
        }
    }

    /// Checks that `id` (with everything under it) may move under `parent`.
    ///
    /// # Errors
    /// `NoParent`, `Cycle` or `TooDeep`.
    pub fn check_move(
        &self,
        id: DepartmentId,
        parent: Option<DepartmentId>,
    ) -> Result<(), TreeError> {
        let Some(p) = parent else {
            return if self.height(id) > MAX_DEPTH {
                Err(TreeError::TooDeep)
            } else {
                Ok(())
            };
        };
        let depth = self.depth(p).ok_or(TreeError::NoParent)?;
        if self.is_at_or_above(id, p) {
            return Err(TreeError::Cycle);
        }
        if depth + self.height(id) > MAX_DEPTH {
            return Err(TreeError::TooDeep);
        }
        Ok(())
    }
}

/// The departments a member is in, as the API sets them all at once: at most 100, no repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memberships(Vec<DepartmentId>);

impl Memberships {
    /// The most departments one member may be in.
    pub const MAX: usize = 100;

    /// Parses a member's departments.
    ///
    /// # Errors
    /// When there are more than [`Self::MAX`] or one is repeated.
    pub fn parse(ids: Vec<DepartmentId>) -> Result<Self, DomainError> {
        if ids.len() > Self::MAX {
            return Err(DomainError::new(
                "department_ids",
                "invalid_field",
                "at most 100 departments",
            )
            .because("at-most-departments", &[("max", &100)]));
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != ids.len() {
            return Err(DomainError::new(
                "department_ids",
                "invalid_field",
                "a department is listed twice",
            )
            .because("department-twice", &[]));
        }
        Ok(Self(sorted))
    }

    /// The departments, by id.
    pub fn as_slice(&self) -> &[DepartmentId] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> DepartmentId {
        DepartmentId::new(n)
    }

    /// 1 ─ 2 ─ 3, and 4 at the top.
    fn tree() -> Tree {
        Tree::new([
            (d(1), None),
            (d(2), Some(d(1))),
            (d(3), Some(d(2))),
            (d(4), None),
        ])
    }

    #[test]
    fn a_department_cannot_move_under_itself_or_a_descendant() {
        let t = tree();
        assert_eq!(t.check_move(d(1), Some(d(1))), Err(TreeError::Cycle));
        assert_eq!(t.check_move(d(1), Some(d(3))), Err(TreeError::Cycle));
        assert_eq!(t.check_move(d(3), Some(d(4))), Ok(()));
        assert_eq!(t.check_move(d(2), None), Ok(()));
        assert_eq!(t.check_move(d(2), Some(d(9))), Err(TreeError::NoParent));
    }

    #[test]
    fn no_branch_grows_deeper_than_the_limit() {
        let chain: Vec<_> = (1..=MAX_DEPTH as i64)
            .map(|n| (d(n), (n > 1).then(|| d(n - 1))))
            .collect();
        let mut t = Tree::new(chain);
        assert_eq!(t.check_create(Some(d(MAX_DEPTH as i64 - 1))), Ok(()));
        assert_eq!(
            t.check_create(Some(d(MAX_DEPTH as i64))),
            Err(TreeError::TooDeep)
        );
        // Moving a two-level branch under the second-deepest would make it one too deep.
        t.parent.insert(d(100), None);
        t.parent.insert(d(101), Some(d(100)));
        assert_eq!(
            t.check_move(d(100), Some(d(MAX_DEPTH as i64 - 1))),
            Err(TreeError::TooDeep)
        );
        assert_eq!(t.check_move(d(100), Some(d(MAX_DEPTH as i64 - 2))), Ok(()));
    }

    #[test]
    fn a_member_lists_each_department_once() {
        assert!(Memberships::parse(vec![d(1), d(1)]).is_err());
        assert_eq!(
            Memberships::parse(vec![d(3), d(1)]).unwrap().as_slice(),
            &[d(1), d(3)]
        );
        assert!(Memberships::parse((0..101).map(d).collect()).is_err());
    }
}
