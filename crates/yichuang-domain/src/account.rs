//! Staff accounts and roles. A user holds one or more roles, is scoped to one center and, as the
//! role needs, to one department (approvers, department heads) or one window (clerks, issuers).

use serde::{Deserialize, Serialize};

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administrator of the center: catalog, windows, staff, calendar, settings.
    Admin,
    /// Comprehensive- or dedicated-window clerk (窗口人员).
    Clerk,
    /// Department approver (审批人员).
    Approver,
    /// Department head: approves extensions (部门负责人).
    DeptHead,
    /// Issuance clerk (出件人员).
    Issuer,
    /// Center supervisor (监察人员).
    Supervisor,
    /// Security auditor (审计管理员): reads the audit trail and nothing else, and holds no
    /// other role, so that who administers and who audits are different people (三员分立).
    Auditor,
    /// A self-service kiosk registered to the center: it may only issue tickets.
    Kiosk,
    /// A citizen or business with a portal account (申请人): sees only their own records.
    Applicant,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Self; 9] = [
        Self::Admin,
        Self::Clerk,
        Self::Approver,
        Self::DeptHead,
        Self::Issuer,
        Self::Supervisor,
        Self::Auditor,
        Self::Kiosk,
        Self::Applicant,
    ];

    /// The roles of people who work the hall's cases (not devices, applicants or the auditor,
    /// who sees only the audit trail).
    pub const STAFF: [Self; 6] = [
        Self::Admin,
        Self::Clerk,
        Self::Approver,
        Self::DeptHead,
        Self::Issuer,
        Self::Supervisor,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Clerk => "clerk",
            Self::Approver => "approver",
            Self::DeptHead => "dept_head",
            Self::Issuer => "issuer",
            Self::Supervisor => "supervisor",
            Self::Auditor => "auditor",
            Self::Kiosk => "kiosk",
            Self::Applicant => "applicant",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "系统管理员",
            Self::Clerk => "窗口人员",
            Self::Approver => "审批人员",
            Self::DeptHead => "部门负责人",
            Self::Issuer => "出件人员",
            Self::Supervisor => "监察人员",
            Self::Auditor => "审计管理员",
            Self::Kiosk => "自助取号机",
            Self::Applicant => "申请人",
        }
    }

    /// Whether the role must be bound to a department.
    pub fn needs_department(self) -> bool {
        matches!(self, Self::Approver | Self::DeptHead)
    }

    /// Whether the role must be bound to a window.
    pub fn needs_window(self) -> bool {
        matches!(self, Self::Clerk | Self::Issuer)
    }
}

/// Encodes roles for storage as a comma-separated list of codes.
pub fn roles_to_string(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

/// Decodes a stored role list, ignoring unknown codes.
pub fn roles_from_str(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|c| Role::parse(c.trim())).collect()
}

/// A staff user as the application sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffUser {
    /// Database id.
    pub id: i64,
    /// The center the user works in.
    pub center_id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in the interface.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Department scope, for approvers and heads.
    pub department: Option<String>,
    /// Window scope, for clerks and issuers.
    pub window: Option<String>,
}

impl StaffUser {
    /// Whether the user holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the user holds any of `roles`.
    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    /// Whether this is a portal applicant rather than staff or a device.
    pub fn is_applicant(&self) -> bool {
        self.roles == [Role::Applicant]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_storage() {
        let roles = vec![Role::Clerk, Role::DeptHead];
        assert_eq!(roles_from_str(&roles_to_string(&roles)), roles);
        assert_eq!(roles_from_str("admin,unknown"), vec![Role::Admin]);
    }
}
