//! Access rules in one place: which roles may do what, and within which scope. The web layer's
//! guard calls [`require_role`]; handlers never compare roles themselves.

use yichuang_domain::account::{Role, StaffUser};

use crate::{CoreError, Result};

/// Fails with `Forbidden` unless `user` holds one of `roles`.
pub fn require_role(user: &StaffUser, roles: &[Role]) -> Result<()> {
    if user.has_any_role(roles) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.label()).collect();
    Err(CoreError::Forbidden(format!(
        "此操作仅限{}",
        names.join("、")
    )))
}

/// Fails with `Forbidden` unless `user` works in `center_id`.
pub fn require_center(user: &StaffUser, center_id: i64) -> Result<()> {
    if user.center_id == center_id {
        Ok(())
    } else {
        Err(CoreError::Forbidden("无权访问其他中心的数据".into()))
    }
}

/// Fails with `Forbidden` unless `user` may act for `department`: supervisors and admins of the
/// center may; approvers and heads only for their own department.
pub fn require_department(user: &StaffUser, department: &str) -> Result<()> {
    if user.has_any_role(&[Role::Admin, Role::Supervisor]) {
        return Ok(());
    }
    if user.department.as_deref() == Some(department) {
        Ok(())
    } else {
        Err(CoreError::Forbidden("无权办理其他部门的事务".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: Vec<Role>, department: Option<&str>) -> StaffUser {
        StaffUser {
            id: 1,
            center_id: 1,
            username: "u".into(),
            display_name: "u".into(),
            roles,
            department: department.map(Into::into),
            window: None,
        }
    }

    #[test]
    fn roles_and_scopes_are_enforced() {
        let approver = user(vec![Role::Approver], Some("rsj"));
        assert!(require_role(&approver, &[Role::Approver, Role::DeptHead]).is_ok());
        let err = require_role(&approver, &[Role::Admin]).unwrap_err();
        assert_eq!(err.to_string(), "此操作仅限系统管理员");
        assert!(require_department(&approver, "rsj").is_ok());
        assert!(require_department(&approver, "gtj").is_err());
        assert!(require_department(&user(vec![Role::Supervisor], None), "gtj").is_ok());
        assert!(require_center(&approver, 2).is_err());
    }
}
