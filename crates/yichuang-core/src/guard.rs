//! Anti-automation: rate limits per phone and per client address (GCRA limiters from
//! `governor`, driven by the injected clock so tests move time instead of sleeping), and the
//! login lockout, which is keyed by username *and* address so that a stranger hammering
//! `admin` from one address locks only that address out, never the administrator.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use yichuang_domain::clock::Clock;

use crate::{CoreError, Result};

/// Rate limits; `0` switches a limit off. Configured under `[limits]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// SMS verification codes per phone per minute.
    pub code_per_phone_minute: u32,
    /// SMS verification codes per phone per hour.
    pub code_per_phone_hour: u32,
    /// SMS verification codes per phone per day. Every limit is a token bucket (GCRA): it
    /// holds this many and refills one every day/N, so a burst of N passes and then one more
    /// every day/N.
    pub code_per_phone_day: u32,
    /// SMS verification codes requested from one address per hour.
    pub code_per_ip_hour: u32,
    /// Login and token attempts from one address per minute.
    pub login_per_ip_minute: u32,
    /// Public progress lookups (case number + name guesses) from one address per minute.
    pub progress_per_ip_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            code_per_phone_minute: 1,
            code_per_phone_hour: 5,
            code_per_phone_day: 10,
            code_per_ip_hour: 20,
            login_per_ip_minute: 10,
            progress_per_ip_minute: 20,
        }
    }
}

/// The injected clock as a `governor` clock: nanoseconds since the Unix epoch.
#[derive(Debug, Clone)]
struct InjectedClock(Arc<dyn Clock>);

impl GovernorClock for InjectedClock {
    type Instant = StdDuration;

    fn now(&self) -> StdDuration {
        let nanos = self.0.now().timestamp_nanos_opt().unwrap_or(0).max(0);
        StdDuration::from_nanos(u64::try_from(nanos).unwrap_or(0))
    }
}

type Keyed<K> = RateLimiter<K, DashMapStateStore<K>, InjectedClock, NoOpMiddleware<StdDuration>>;

/// One limit: a quota per key, with the words a person reads when it trips.
struct Limit<K: std::hash::Hash + Eq + Clone> {
    limiter: Keyed<K>,
    clock: InjectedClock,
    what: &'static str,
}

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    fn new(
        clock: &InjectedClock,
        count: u32,
        per: StdDuration,
        what: &'static str,
    ) -> Option<Self> {
        let burst = NonZeroU32::new(count)?;
        let quota = Quota::with_period(per / count)?.allow_burst(burst);
        Some(Self {
            limiter: RateLimiter::dashmap_with_clock(quota, clock.clone()),
            clock: clock.clone(),
            what,
        })
    }

    fn check(&self, key: &K) -> Result<()> {
        match self.limiter.check_key(key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Err(CoreError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                    what: self.what,
                })
            }
        }
    }

    fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

fn limit<K: std::hash::Hash + Eq + Clone>(
    clock: &InjectedClock,
    count: u32,
    per: StdDuration,
    what: &'static str,
) -> Option<Limit<K>> {
    Limit::new(clock, count, per, what)
}

const MINUTE: StdDuration = StdDuration::from_secs(60);
const HOUR: StdDuration = StdDuration::from_secs(3600);
const DAY: StdDuration = StdDuration::from_secs(86_400);

/// Failed logins of one username from one address.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

/// The limits and lockouts of one process.
pub(crate) struct Guard {
    code_phone: Vec<Limit<String>>,
    code_ip: Option<Limit<IpAddr>>,
    login_ip: Option<Limit<IpAddr>>,
    progress_ip: Option<Limit<IpAddr>>,
    /// Keyed by (lower-case username, address); `None` when the address is unknown.
    failures: Mutex<HashMap<(String, Option<IpAddr>), Failures>>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard").finish_non_exhaustive()
    }
}

/// What a request is trying to do, for the address limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Logging in or asking for an API token.
    Login,
    /// Looking up a case's progress by number and name.
    Progress,
}

impl Guard {
    pub(crate) fn new(clock: Arc<dyn Clock>, s: &LimitSettings) -> Self {
        let clock = InjectedClock(clock);
        let code_phone = [
            (s.code_per_phone_minute, MINUTE),
            (s.code_per_phone_hour, HOUR),
            (s.code_per_phone_day, DAY),
        ]
        .into_iter()
        .filter_map(|(n, per)| limit(&clock, n, per, "该手机号获取验证码过于频繁"))
        .collect();
        Self {
            code_phone,
            code_ip: limit(&clock, s.code_per_ip_hour, HOUR, "获取验证码过于频繁"),
            login_ip: limit(&clock, s.login_per_ip_minute, MINUTE, "登录尝试过于频繁"),
            progress_ip: limit(&clock, s.progress_per_ip_minute, MINUTE, "查询过于频繁"),
            failures: Mutex::default(),
        }
    }

    /// Counts a verification-code request for `phone` from `ip`.
    pub(crate) fn check_code(&self, phone: &str, ip: Option<IpAddr>) -> Result<()> {
        if let (Some(l), Some(ip)) = (&self.code_ip, ip) {
            l.check(&ip)?;
        }
        let key = phone.to_owned();
        self.code_phone.iter().try_for_each(|l| l.check(&key))
    }

    /// Counts an attempt of `kind` from `ip` (nothing is limited when the address is unknown,
    /// e.g. a request made inside the process).
    pub(crate) fn check_attempt(&self, kind: Attempt, ip: Option<IpAddr>) -> Result<()> {
        let limit = match kind {
            Attempt::Login => &self.login_ip,
            Attempt::Progress => &self.progress_ip,
        };
        match (limit, ip) {
            (Some(l), Some(ip)) => l.check(&ip),
            _ => Ok(()),
        }
    }

    /// Until when `username` is locked out for `ip`, if it is.
    pub(crate) fn locked_until(
        &self,
        username: &str,
        ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let map = self.failures.lock().ok()?;
        map.get(&(username.to_lowercase(), ip))
            .and_then(|f| f.locked_until)
            .filter(|u| *u > now)
    }

    /// Records a failed login; answers the lock's end when this failure locks the pair.
    /// Failures older than `window` are forgotten.
    pub(crate) fn record_failure(
        &self,
        username: &str,
        ip: Option<IpAddr>,
        now: DateTime<Utc>,
        max: u32,
        window: chrono::Duration,
    ) -> Option<DateTime<Utc>> {
        let mut map = self.failures.lock().ok()?;
        let entry = map
            .entry((username.to_lowercase(), ip))
            .or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
        if now - entry.last > window || entry.locked_until.is_some_and(|u| u <= now) {
            entry.count = 0;
            entry.locked_until = None;
        }
        entry.count += 1;
        entry.last = now;
        if entry.count >= max.max(1) {
            let until = now + window;
            entry.locked_until = Some(until);
            entry.count = 0;
            return Some(until);
        }
        None
    }

    /// Forgets the failures of a pair after a successful login.
    pub(crate) fn record_success(&self, username: &str, ip: Option<IpAddr>) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&(username.to_lowercase(), ip));
        }
    }

    /// Drops state that no longer limits anything, so memory stays bounded.
    pub(crate) fn sweep(&self, now: DateTime<Utc>, window: chrono::Duration) {
        for l in &self.code_phone {
            l.sweep();
        }
        for l in [&self.code_ip, &self.login_ip, &self.progress_ip]
            .into_iter()
            .flatten()
        {
            l.sweep();
        }
        if let Ok(mut map) = self.failures.lock() {
            map.retain(|_, f| now - f.last <= window || f.locked_until.is_some_and(|u| u > now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yichuang_domain::clock::FakeClock;

    fn guard() -> (Arc<FakeClock>, Guard) {
        let clock = Arc::new(FakeClock::new(
            "2026-12-07T02:00:00Z".parse().expect("instant"),
        ));
        let g = Guard::new(clock.clone(), &LimitSettings::default());
        (clock, g)
    }

    fn retry(r: Result<()>) -> u64 {
        match r {
            Err(CoreError::RateLimited {
                retry_after_secs, ..
            }) => retry_after_secs,
            other => panic!("expected a rate limit, got {other:?}"),
        }
    }

    #[test]
    fn codes_per_phone_follow_minute_hour_and_day() {
        let (clock, g) = guard();
        let phone = "13900000001";
        g.check_code(phone, None).expect("first code");
        let wait = retry(g.check_code(phone, None));
        assert!((1..=60).contains(&wait), "wait {wait}");
        // Another phone is not affected.
        g.check_code("13900000002", None).expect("other phone");
        // One a minute for four more minutes, then the hourly quota (5) is spent.
        for _ in 0..4 {
            clock.advance(chrono::Duration::seconds(61));
            g.check_code(phone, None).expect("next minute");
        }
        clock.advance(chrono::Duration::seconds(61));
        let wait = retry(g.check_code(phone, None));
        assert!(
            wait > 60,
            "the hourly quota waits longer than a minute: {wait}"
        );
        // Asking every 61 seconds for two hours: the hourly bucket refills one code every
        // 12 minutes, but the daily one holds 10 and refills one every 2.4 hours.
        let mut passed = 5;
        for _ in 0..120 {
            clock.advance(chrono::Duration::seconds(61));
            if g.check_code(phone, None).is_ok() {
                passed += 1;
            }
        }
        assert_eq!(passed, 10, "ten codes in the first two hours");
        // Limits are checked shortest first, so a click repeated within the minute spends
        // nothing of the hour's or day's quota; past the minute, the day's bucket answers.
        clock.advance(chrono::Duration::seconds(61));
        let wait = retry(g.check_code(phone, None));
        assert!(
            wait > 60,
            "the daily quota waits more than a minute: {wait}"
        );
        clock.advance(chrono::Duration::days(1));
        g.check_code(phone, None).expect("a day later");
    }

    #[test]
    fn addresses_are_limited_separately() {
        let (clock, g) = guard();
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        for _ in 0..10 {
            g.check_attempt(Attempt::Login, Some(a))
                .expect("within quota");
        }
        retry(g.check_attempt(Attempt::Login, Some(a)));
        g.check_attempt(Attempt::Login, Some(b))
            .expect("other address");
        g.check_attempt(Attempt::Login, None)
            .expect("unknown address");
        clock.advance(chrono::Duration::minutes(1));
        g.check_attempt(Attempt::Login, Some(a))
            .expect("a minute later");
    }

    #[test]
    fn a_lockout_binds_the_username_to_one_address() {
        let (clock, g) = guard();
        let now = clock.now();
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let window = chrono::Duration::minutes(15);
        for _ in 0..4 {
            assert!(g.record_failure("Admin", Some(a), now, 5, window).is_none());
        }
        let until = g
            .record_failure("admin", Some(a), now, 5, window)
            .expect("fifth failure locks");
        assert_eq!(g.locked_until("admin", Some(a), now), Some(until));
        assert_eq!(g.locked_until("admin", Some(b), now), None);
        assert_eq!(g.locked_until("admin", Some(a), until), None);
        g.sweep(until + window + chrono::Duration::seconds(1), window);
        assert!(g.failures.lock().expect("lock").is_empty());
    }
}
