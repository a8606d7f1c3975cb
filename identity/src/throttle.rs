//! Throttling of failed sign-ins, per username and per client address.
//!
//! Policy: within a fixed window of [`WINDOW_SECS`], at most [`MAX_PER_USER`] attempts for
//! one username and [`MAX_PER_ADDRESS`] for one client address are let through to password
//! verification; further attempts are refused without checking the password until the
//! window ends. An attempt counts when it starts (so parallel guesses cannot overtake the
//! counter) and a successful sign-in gives its slot back. Refused attempts cost no argon2
//! work, which also bounds the CPU an attacker can make the provider spend.

use std::net::IpAddr;

use crate::ttl::TtlMap;

pub const WINDOW_SECS: u64 = 300;
pub const MAX_PER_USER: u32 = 5;
pub const MAX_PER_ADDRESS: u32 = 20;
const CAPACITY: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(IpAddr),
}

/// Counters of sign-in attempts.
#[derive(Debug)]
pub struct Throttle {
    counters: TtlMap<Key, u32>,
}

/// Proof that an attempt was admitted; hand it back with the outcome.
#[derive(Debug)]
pub struct Attempt {
    user: Key,
    address: Key,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            counters: TtlMap::new(CAPACITY),
        }
    }
}

impl Throttle {
    /// Admits an attempt, or returns `None` when either limit is reached.
    pub fn begin(&self, username: &str, address: IpAddr, now: u64) -> Option<Attempt> {
        let user = Key::User(username.to_lowercase());
        let address = Key::Address(address);
        if self.count(&user, now) >= MAX_PER_USER || self.count(&address, now) >= MAX_PER_ADDRESS {
            return None;
        }
        self.bump(&user, now, 1);
        self.bump(&address, now, 1);
        Some(Attempt { user, address })
    }

    /// Gives the slots back after a successful sign-in.
    pub fn succeeded(&self, attempt: Attempt, now: u64) {
        self.counters.remove(&attempt.user, now);
        self.counters
            .with(&attempt.address, now, |c| *c = c.saturating_sub(1));
    }

    fn count(&self, key: &Key, now: u64) -> u32 {
        self.counters.with(key, now, |c| *c).unwrap_or(0)
    }

    fn bump(&self, key: &Key, now: u64, by: u32) {
        if self.counters.with(key, now, |c| *c += by).is_none() {
            // A full table refuses new counters; the attempt is then only limited by the
            // other key, which is the safe direction for availability.
            self.counters
                .insert(key.clone(), by, now + WINDOW_SECS, now);
        }
    }

    pub fn sweep(&self, now: u64) {
        self.counters.sweep(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDR: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn user_is_refused_after_limit_until_window_ends() {
        let t = Throttle::default();
        for _ in 0..MAX_PER_USER {
            assert!(t.begin("alice", ADDR, 0).is_some());
        }
        assert!(t.begin("Alice", ADDR, 1).is_none());
        assert!(t.begin("bob", ADDR, 1).is_some());
        assert!(t.begin("alice", ADDR, WINDOW_SECS).is_some());
    }

    #[test]
    fn success_gives_slot_back() {
        let t = Throttle::default();
        for _ in 0..(MAX_PER_USER * 3) {
            let attempt = t.begin("alice", ADDR, 0).unwrap();
            t.succeeded(attempt, 0);
        }
    }

    #[test]
    fn address_is_refused_after_limit() {
        let t = Throttle::default();
        for i in 0..MAX_PER_ADDRESS {
            assert!(t.begin(&format!("user{i}"), ADDR, 0).is_some());
        }
        assert!(t.begin("someone", ADDR, 0).is_none());
    }
}
