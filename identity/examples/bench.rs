//! Loopback benchmark: password logins per second, refresh grants per second and the
//! argon2 verify time, all measured in the same run against an in-process provider with
//! the development configuration (default argon2 parameters).
//!
//! Run with `cargo run --release -p identity --example bench`. Bounded: at most
//! `LOGIN_LIMIT` logins in `PHASE_SECS`, at most `REFRESH_LIMIT` refreshes in `PHASE_SECS`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use identity::AppState;
use identity::config::{FileConfig, Issuer, Settings};
use sha2::{Digest, Sha256};

const ARGON2_SAMPLES: usize = 4;
const SLICES: u32 = 8;
const LOGIN_LIMIT: usize = 480;
const REFRESH_LIMIT: usize = 50_000;
const PHASE_SECS: u64 = 8;
const REDIRECT_URI: &str = "http://localhost:5000/callback";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[actix_web::main]
async fn main() -> Result<(), BoxError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load = load_average();
    let dir = tempfile::tempdir()?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let settings = Settings::from_file_config(Issuer::parse(&base)?, FileConfig::default())?;
    let state = web::Data::new(AppState::open(settings, dir.path())?);
    let server = identity::server(listener, state.clone(), None)?;
    let handle = server.handle();
    actix_web::rt::spawn(server);

    // 1. and 2. Password logins (authorize -> sign-in page -> POST credentials -> code):
    //    first one browser at a time, then one browser per core. The argon2 verify time is
    //    measured right before and right after each phase, so it sees the same machine load.
    let phc = state.settings.users[0].password_hash.clone();
    let http = client()?;
    let serial = logins(&http, &base, 1, &phc).await?;
    let mut parallel = logins(&http, &base, cores, &phc).await?;
    let mut codes = std::mem::take(&mut parallel.codes);

    // 3. Refresh grants: one rotating chain per concurrent client.
    let mut chains = Vec::new();
    for (code, verifier) in codes.drain(..).take(cores * 2) {
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ];
        let body: serde_json::Value = http
            .post(format!("{base}/token"))
            .form(&form)
            .send()
            .await?
            .json()
            .await?;
        chains.push(
            body["refresh_token"]
                .as_str()
                .ok_or("no refresh token")?
                .to_owned(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(PHASE_SECS);
    let start = Instant::now();
    let cpu_start = process_cpu_secs();
    let per_chain = REFRESH_LIMIT / chains.len().max(1);
    let mut tasks = Vec::new();
    for mut token in chains {
        let (http, url) = (http.clone(), format!("{base}/token"));
        tasks.push(actix_web::rt::spawn(async move {
            let mut n = 0usize;
            while Instant::now() < deadline && n < per_chain {
                let form = [
                    ("grant_type", "refresh_token"),
                    ("client_id", "spa"),
                    ("refresh_token", &token),
                ];
                let resp = http.post(&url).form(&form).send().await?;
                if !resp.status().is_success() {
                    return Err(format!("refresh failed: {}", resp.status()).into());
                }
                let body: serde_json::Value = resp.json().await?;
                token = body["refresh_token"]
                    .as_str()
                    .ok_or("no refresh token")?
                    .to_owned();
                n += 1;
            }
            Ok::<_, BoxError>(n)
        }));
    }
    let mut refreshes = 0;
    for task in tasks {
        refreshes += task.await??;
    }
    let refresh_elapsed = start.elapsed();
    let refresh_cpu = process_cpu_secs() - cpu_start;
    handle.stop(true).await;

    let refresh_per_sec = refreshes as f64 / refresh_elapsed.as_secs_f64();
    let refresh_per_cpu = refreshes as f64 / refresh_cpu;
    let verdict = |ok: bool| if ok { "meets target" } else { "BELOW target" };
    let mut out = String::new();
    use std::fmt::Write as _;
    writeln!(out, "cores: {cores}; load average at start: {load}")?;
    for (label, p) in [("1 browser", &serial), ("1 browser per core", &parallel)] {
        let wall = p.count as f64 / p.elapsed;
        let per_cpu = p.count as f64 / p.cpu;
        // Target: logins per core >= 0.9 / verify time, i.e. per_cpu * verify >= 0.9.
        let ratio = per_cpu * p.argon2_cpu;
        writeln!(
            out,
            "password logins, {label}: {} in {:.2} s = {wall:.1}/s wall, \
            {per_cpu:.1} per CPU-second of server+client; argon2id verify (m=19456 KiB, t=2, \
            p=1, {} at once) {:.1} ms wall / {:.1} ms CPU; logins per core x verify time = {ratio:.2} \
            (target >= 0.9: {})",
            p.count,
            p.elapsed,
            p.browsers,
            p.argon2_wall * 1e3,
            p.argon2_cpu * 1e3,
            verdict(ratio >= 0.9)
        )?;
    }
    writeln!(
        out,
        "refresh grants: {refreshes} in {:.2} s = {refresh_per_sec:.0}/s wall \
        ({:.0}/s per core); {refresh_per_cpu:.0} per CPU-second of server+client \
        (target 1000: {})",
        refresh_elapsed.as_secs_f64(),
        refresh_per_sec / cores as f64,
        verdict(refresh_per_cpu >= 1000.0)
    )?;
    print!("{out}");
    Ok(())
}

/// Results of one login phase.
#[derive(Default)]
struct Phase {
    count: usize,
    elapsed: f64,
    cpu: f64,
    codes: Vec<(String, String)>,
    browsers: usize,
    argon2_wall: f64,
    argon2_cpu: f64,
}

/// Runs `browsers` concurrent login loops for at most `PHASE_SECS` / `LOGIN_LIMIT`.
async fn logins(
    http: &reqwest::Client,
    base: &str,
    browsers: usize,
    phc: &str,
) -> Result<Phase, BoxError> {
    // Slices of argon2 measurement and logins alternate, so that both see the same
    // (shared, noisy) machine load; totals are summed over the slices.
    let mut phase = Phase {
        browsers,
        ..Phase::default()
    };
    let slice = Duration::from_secs(PHASE_SECS) / SLICES;
    let mut argon2 = (0.0, 0.0);
    for _ in 0..SLICES {
        let (wall, cpu) = argon2_verify_time(phc, browsers);
        argon2 = (argon2.0 + wall, argon2.1 + cpu);
        let deadline = Instant::now() + slice;
        let (start, cpu_start) = (Instant::now(), process_cpu_secs());
        let mut tasks = Vec::new();
        for _ in 0..browsers {
            let (base, http) = (base.to_owned(), http.clone());
            let limit = LOGIN_LIMIT / browsers / SLICES as usize;
            tasks.push(actix_web::rt::spawn(async move {
                let mut done = Vec::new();
                while Instant::now() < deadline && done.len() < limit {
                    done.push(login(&http, &base).await?);
                }
                Ok::<_, BoxError>(done)
            }));
        }
        for task in tasks {
            phase.codes.extend(task.await??);
        }
        phase.elapsed += start.elapsed().as_secs_f64();
        phase.cpu += process_cpu_secs() - cpu_start;
    }
    phase.count = phase.codes.len();
    phase.argon2_wall = argon2.0 / f64::from(SLICES);
    phase.argon2_cpu = argon2.1 / f64::from(SLICES);
    Ok(phase)
}

/// Mean wall and CPU seconds of one argon2 verify with the sign-in path's hash, while
/// `threads` verifies run at once (as many as the phase has browsers, since concurrent
/// argon2 runs share memory bandwidth).
fn argon2_verify_time(phc: &str, threads: usize) -> (f64, f64) {
    let per_thread: Vec<(f64, f64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    // One unmeasured verify first, as a long-running server thread is warm.
                    assert!(identity::password::verify("password", phc));
                    let (start, cpu_start) = (Instant::now(), thread_cpu_secs());
                    for _ in 0..ARGON2_SAMPLES {
                        assert!(identity::password::verify("password", phc));
                    }
                    let n = ARGON2_SAMPLES as f64;
                    (
                        start.elapsed().as_secs_f64() / n,
                        (thread_cpu_secs() - cpu_start) / n,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or((f64::NAN, f64::NAN)))
            .collect()
    });
    let n = per_thread.len() as f64;
    let wall = per_thread.iter().map(|t| t.0).sum::<f64>() / n;
    let cpu = per_thread.iter().map(|t| t.1).sum::<f64>() / n;
    (wall, cpu)
}

/// One HTTP client for the whole run (building one per browser would cost more CPU than
/// the requests); the only cookie a login needs is carried by hand.
fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// CPU time of the calling thread, from /proc/thread-self/schedstat (nanoseconds).
fn thread_cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

/// User + system CPU time of the whole process (all threads), from /proc/self/stat.
fn process_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// One full password login by a fresh browser; returns the code and its verifier.
async fn login(http: &reqwest::Client, base: &str) -> Result<(String, String), BoxError> {
    let verifier = identity::secret::random_token();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = [
        ("client_id", "spa"),
        ("redirect_uri", REDIRECT_URI),
        ("response_type", "code"),
        ("scope", "openid profile api1 offline_access"),
        ("state", "s"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    let resp = http
        .get(format!("{base}/authorize"))
        .query(&query)
        .send()
        .await?;
    let login = header(&resp, "location")?;
    let page = http.get(format!("{base}{login}")).send().await?;
    let csrf_cookie = header(&page, "set-cookie")?;
    let csrf_cookie = csrf_cookie.split(';').next().unwrap_or_default().to_owned();
    let html = page.text().await?;
    let form = [
        ("request", field(&html, "request")?),
        ("csrf", field(&html, "csrf")?),
        ("username", "alice".to_owned()),
        ("password", "password".to_owned()),
    ];
    let resp = http
        .post(format!("{base}/login"))
        .header("cookie", csrf_cookie)
        .form(&form)
        .send()
        .await?;
    if resp.status() != 303 {
        return Err(format!("login failed: {}", resp.status()).into());
    }
    let callback = url::Url::parse(&header(&resp, "location")?)?;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .ok_or("no code")?
        .1
        .into_owned();
    Ok((code, verifier))
}

fn header(resp: &reqwest::Response, name: &str) -> Result<String, BoxError> {
    Ok(resp
        .headers()
        .get(name)
        .ok_or("missing header")?
        .to_str()?
        .to_owned())
}

fn field(html: &str, name: &str) -> Result<String, BoxError> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).ok_or("missing field")? + marker.len();
    let end = start + html[start..].find('"').ok_or("unterminated field")?;
    Ok(html[start..end].to_owned())
}
