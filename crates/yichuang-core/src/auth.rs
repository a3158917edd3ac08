//! Logins, sessions and API tokens. Passwords are Argon2id (default parameters), hashed on the
//! blocking pool because a hash takes tens of milliseconds. Tokens are 256 random bits; only
//! their SHA-256 is stored, so a leaked database does not leak live sessions.

use std::net::IpAddr;
use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use yichuang_domain::account::{Role, StaffUser};
use yichuang_store::{NewSession, NewUser, SessionKind, StaffUserRecord};

use crate::guard::Attempt;
use crate::{Core, CoreError, Result};

/// A username as it may be shown or logged: portal applicants log in with their phone number,
/// which is masked like any phone.
pub fn mask_username(username: &str) -> String {
    if username.len() == 11 && username.bytes().all(|b| b.is_ascii_digit()) {
        yichuang_domain::mask::mask_phone(username)
    } else {
        username.to_owned()
    }
}

/// Minimum length of a password chosen by an administrator.
pub const MIN_PASSWORD_LEN: usize = 8;

/// A successful login.
#[derive(Debug, Clone)]
pub struct Login {
    /// The bearer token or cookie value; shown once, never stored.
    pub token: String,
    /// The user.
    pub user: StaffUser,
    /// When the session or token expires.
    pub expires_at: DateTime<Utc>,
}

/// A new staff account as an administrator enters it.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Plain password (hashed before storage).
    pub password: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Department scope.
    pub department: Option<String>,
    /// Window scope.
    pub window: Option<String>,
}

/// Hashes a password with Argon2id on the blocking pool.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(e.into()))?
}

/// Verifies a password against a PHC string on the blocking pool.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A fresh random token (64 hex characters).
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| CoreError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A hash that verifies nothing, used for unknown usernames so that a login attempt takes the
/// same time whether or not the account exists.
async fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return h;
    }
    let h = hash_password("decoy-password-never-valid")
        .await
        .unwrap_or_default();
    DECOY.get_or_init(|| h)
}

fn valid_username(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Core {
    /// Logs in with a username and password, starting a cookie session or issuing an API token.
    ///
    /// `ip` is the client's address when known. Attempts per address are rate limited, and
    /// repeated failures lock the username *for that address only*: someone guessing `admin`'s
    /// password from one machine cannot keep the administrator out everywhere else.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        ip: Option<IpAddr>,
    ) -> Result<Login> {
        let typed = username.trim();
        self.guard.check_attempt(Attempt::Login, ip)?;
        if typed.is_empty() || password.is_empty() {
            return Err(CoreError::invalid("username", "请输入用户名和密码"));
        }
        // Applicants log in with their phone number; their account is named by its blind
        // index, so neither the users table nor a lockout ever holds the number.
        let derived = self.account_name(typed);
        let username = derived.as_str();
        let now = self.clock().now();
        if let Some(until) = self.guard.locked_until(username, ip, now) {
            return Err(CoreError::AccountLocked(until));
        }
        let mut found = self.store().user_by_username(username).await?;
        if found.is_none() && username != typed {
            found = self.store().user_by_username(typed).await?;
        }
        let Some(record) = found else {
            verify_password(password, decoy_hash().await).await;
            self.count_failure(username, None, ip, now).await?;
            return Err(CoreError::InvalidCredentials);
        };
        // A lock an administrator set on the account itself still holds everywhere.
        if let Some(until) = record.locked_until.filter(|u| *u > now) {
            return Err(CoreError::AccountLocked(until));
        }
        if !verify_password(password, &record.password_hash).await {
            self.count_failure(username, Some(record.user.center_id), ip, now)
                .await?;
            return Err(match self.guard.locked_until(username, ip, now) {
                Some(until) => CoreError::AccountLocked(until),
                None => CoreError::InvalidCredentials,
            });
        }
        self.guard.record_success(username, ip);
        self.start_session(record, kind).await
    }

    /// Counts a failed login of `username` from `ip`; when it locks the pair, the lock is
    /// written to the log as a security record (masked: a username may be a phone number).
    async fn count_failure(
        &self,
        username: &str,
        center_id: Option<i64>,
        ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let window = Duration::minutes(self.auth.lockout_minutes);
        let max = self.auth.max_failed_logins;
        let Some(until) = self.guard.record_failure(username, ip, now, max, window) else {
            return Ok(());
        };
        let shown = mask_username(username);
        let from = ip.map(|a| a.to_string()).unwrap_or_default();
        tracing::warn!(username = %shown, ip = %from, "login locked for this address after repeated failures");
        self.store()
            .record_event(
                center_id,
                ("user", &shown),
                "login_locked",
                serde_json::json!({"ip": from, "until": until}),
                &self.ctx(&shown),
            )
            .await?;
        Ok(())
    }

    async fn start_session(&self, record: StaffUserRecord, kind: SessionKind) -> Result<Login> {
        let now = self.clock().now();
        let expires_at = match kind {
            SessionKind::Cookie => now + Duration::hours(self.auth.session_hours),
            SessionKind::Api => now + Duration::days(self.auth.token_days),
        };
        let token = random_token()?;
        let session = NewSession {
            token_hash: token_hash(&token),
            user_id: record.user.id,
            kind,
            expires_at,
        };
        self.store()
            .start_session(&session, &self.ctx(&record.user.username))
            .await?;
        Ok(Login {
            token,
            user: record.user,
            expires_at,
        })
    }

    /// The user behind a session cookie or bearer token.
    pub async fn authenticate(&self, token: &str) -> Result<StaffUser> {
        if token.is_empty() || token.len() > 128 {
            return Err(CoreError::Unauthenticated);
        }
        let now = self.clock().now();
        let hash = token_hash(token);
        let Some(s) = self.store().session(&hash, now).await? else {
            return Err(CoreError::Unauthenticated);
        };
        if s.kind == SessionKind::Cookie {
            if now - s.last_seen_at >= Duration::minutes(self.auth.idle_minutes) {
                // Idle too long: the desk was left open. The row goes so the cookie is dead for
                // good, not just until the next request moves the clock.
                self.store()
                    .end_session(&hash, &self.ctx(&s.user.username))
                    .await?;
                return Err(CoreError::Unauthenticated);
            }
            // One write a minute per session at most: the writer is shared with case intake.
            if now - s.last_seen_at >= Duration::minutes(1) {
                self.store().touch_session(&hash, now).await?;
            }
        }
        Ok(s.user)
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str, actor: &str) -> Result<()> {
        self.store()
            .end_session(&token_hash(token), &self.ctx(actor))
            .await?;
        Ok(())
    }

    /// Registers a self-service kiosk: an account with the kiosk role only, and a long-lived
    /// API token (a year) that is shown once.
    pub async fn register_kiosk(&self, admin: &StaffUser, code: &str, name: &str) -> Result<Login> {
        crate::access::require_role(admin, &[Role::Admin])?;
        let code = code.trim();
        if code.is_empty() || !valid_username(code) || code.len() > 32 {
            return Err(CoreError::invalid(
                "code",
                "终端编码只能包含字母、数字、点、横线和下划线，最长 32 位",
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(CoreError::invalid("name", "请填写终端名称（最多 50 字）"));
        }
        let user = NewUser {
            center_id: admin.center_id,
            username: format!("kiosk-{code}"),
            display_name: name.to_owned(),
            // Nobody logs in to a kiosk with a password: it gets a random one nobody knows.
            password_hash: hash_password(&random_token()?).await?,
            roles: vec![Role::Kiosk],
            department: None,
            window: None,
        };
        let mut created = self
            .store()
            .create_users(&[user], &self.ctx(&admin.username))
            .await?;
        let record = created
            .pop()
            .ok_or_else(|| CoreError::Internal(anyhow::anyhow!("no kiosk user")))?;
        let token = random_token()?;
        let expires_at = self.clock().now() + Duration::days(365);
        let session = NewSession {
            token_hash: token_hash(&token),
            user_id: record.user.id,
            kind: SessionKind::Api,
            expires_at,
        };
        self.store()
            .start_session(&session, &self.ctx(&admin.username))
            .await?;
        Ok(Login {
            token,
            user: record.user,
            expires_at,
        })
    }

    /// Creates a staff account after checking the username, password and scope.
    pub async fn create_staff(
        &self,
        center_id: i64,
        new: NewStaff,
        actor: &str,
    ) -> Result<StaffUser> {
        if !valid_username(&new.username) {
            return Err(CoreError::invalid(
                "username",
                "用户名只能包含字母、数字、点、横线和下划线，长度 1 至 64",
            ));
        }
        if new.password.chars().count() < MIN_PASSWORD_LEN {
            return Err(CoreError::invalid(
                "password",
                format!("密码至少 {MIN_PASSWORD_LEN} 个字符"),
            ));
        }
        if new.roles.is_empty() {
            return Err(CoreError::invalid("roles", "至少指定一个角色"));
        }
        if new.roles.iter().any(|r| r.needs_department()) {
            let Some(dept) = &new.department else {
                return Err(CoreError::invalid(
                    "department",
                    "审批人员和部门负责人须指定部门",
                ));
            };
            let known = self.store().departments(center_id).await?;
            if !known.iter().any(|(d, _)| &d.code == dept) {
                return Err(CoreError::invalid(
                    "department",
                    format!("未知部门 \"{dept}\""),
                ));
            }
        }
        if new.roles.iter().any(|r| r.needs_window()) {
            let Some(window) = &new.window else {
                return Err(CoreError::invalid("window", "窗口人员和出件人员须指定窗口"));
            };
            let known = self.store().windows(center_id).await?;
            if !known.iter().any(|w| &w.code == window) {
                return Err(CoreError::invalid(
                    "window",
                    format!("未知窗口 \"{window}\""),
                ));
            }
        }
        let user = NewUser {
            center_id,
            username: new.username,
            display_name: new.display_name,
            password_hash: hash_password(&new.password).await?,
            roles: new.roles,
            department: new.department,
            window: new.window,
        };
        let mut created = self.store().create_users(&[user], &self.ctx(actor)).await?;
        created
            .pop()
            .map(|r| r.user)
            .ok_or_else(|| CoreError::Internal(anyhow::anyhow!("no user")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h).await);
        assert!(!verify_password("wrong", &h).await);
        assert!(!verify_password("x", "not a hash").await);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn usernames_are_restricted() {
        assert!(valid_username("rsj-approver"));
        assert!(!valid_username("有中文"));
        assert!(!valid_username(""));
    }
}
