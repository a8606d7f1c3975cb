//! Load test on loopback: req/s of the public `/api/values` and of the protected
//! `/api/services` (with a valid token) in one run, and their ratio.
//!
//! Starts a discovery + JWKS provider and the backend in this process, both on
//! 127.0.0.1 with ephemeral ports, mints an RS256 access token, then drives `wrk`
//! against each endpoint in turn. Every run is bounded by `--duration`.
//!
//! ```text
//! cargo run --release -p backend --example loadtest -- [--duration 5] [--connections 64]
//!     [--threads 1] [--workers 2] [--rounds 5] [--no-cache]
//! ```

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair};
use backend::auth::SystemClock;
use backend::{AppState, Config};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

#[derive(Debug, Clone)]
struct Options {
    duration_secs: u64,
    connections: u32,
    threads: u32,
    workers: usize,
    rounds: u32,
    cache: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        duration_secs: 5,
        connections: 64,
        threads: 1,
        workers: 2,
        rounds: 5,
        cache: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--duration" => options.duration_secs = number("--duration")?.clamp(1, 60),
            "--connections" => options.connections = number("--connections")?.clamp(1, 1024) as u32,
            "--threads" => options.threads = number("--threads")?.clamp(1, 8) as u32,
            "--workers" => options.workers = number("--workers")?.clamp(1, 8) as usize,
            "--rounds" => options.rounds = number("--rounds")?.clamp(1, 9) as u32,
            "--no-cache" => options.cache = false,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("loadtest: {message}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("loadtest: {message}");
            ExitCode::FAILURE
        }
    }
}

#[actix_web::main]
async fn run(options: Options) -> Result<(), String> {
    // 1. A provider with one RSA key.
    let key = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| format!("keygen: {e}"))?;
    let jwks = json!({"keys": [{
        "kty": "RSA", "kid": "load-1", "alg": "RS256", "use": "sig",
        "n": b64(key.public_key().modulus().big_endian_without_leading_zero()),
        "e": b64(key.public_key().exponent().big_endian_without_leading_zero()),
    }]});
    let provider_listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let provider_addr = provider_listener.local_addr().map_err(|e| e.to_string())?;
    let issuer = format!("http://{provider_addr}");
    let discovery = json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")});
    let provider = HttpServer::new(move || {
        let discovery = discovery.clone();
        let jwks = jwks.clone();
        App::new()
            .route(
                "/.well-known/openid-configuration",
                web::get().to(move || {
                    let body = discovery.clone();
                    async move { HttpResponse::Ok().json(body) }
                }),
            )
            .route(
                "/jwks",
                web::get().to(move || {
                    let body = jwks.clone();
                    async move { HttpResponse::Ok().json(body) }
                }),
            )
    })
    .workers(1)
    .disable_signals()
    .listen(provider_listener)
    .map_err(|e| e.to_string())?
    .run();
    let provider_handle = provider.handle();
    actix_web::rt::spawn(provider);

    // 2. The backend, built by the same `app` function as the binary.
    let cache = if options.cache { "10000" } else { "0" };
    let services_file = concat!(env!("CARGO_MANIFEST_DIR"), "/data/services.json");
    let config = Config::try_parse_from_env_free([
        "backend",
        "--issuer",
        &issuer,
        "--services-file",
        services_file,
        "--token-cache-capacity",
        cache,
    ])
    .map_err(|e| e.to_string())?;
    let state = AppState::new(&config, Arc::new(SystemClock)).map_err(|e| e.to_string())?;
    state.keys().refresh().await.map_err(|e| e.to_string())?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let backend_addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server = HttpServer::new(move || backend::app(state.clone()))
        .workers(options.workers)
        .disable_signals()
        .listen(listener)
        .map_err(|e| e.to_string())?
        .run();
    let backend_handle = server.handle();
    actix_web::rt::spawn(server);

    // 3. A token like the identity service issues.
    let now = SystemClock::now_secs();
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": "load-1"});
    let claims = json!({"iss": issuer, "sub": "alice", "aud": "api1", "client_id": "spa",
        "scope": "openid profile api1", "name": "Alice", "iat": now, "exp": now + 3600,
        "jti": "loadtest"});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(|e| format!("sign: {e}"))?;
    let token = format!("{input}.{}", b64(&sig));

    // 4. Sanity check before measuring.
    let client = reqwest::Client::new();
    let status = client
        .get(format!("http://{backend_addr}/api/services"))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("/api/services with the token answered {status}"));
    }

    println!(
        "wrk -t{} -c{} -d{}s, backend workers {}, verified-token cache {}",
        options.threads,
        options.connections,
        options.duration_secs,
        options.workers,
        if options.cache { "on" } else { "off" }
    );
    // Rounds alternate the order, and each round's ratio compares two runs made seconds
    // apart, so drift from other load on the machine largely cancels out. The server's
    // CPU time per request (this process, all threads; wrk not counted) is printed too: it
    // is far less sensitive to other work on the machine than wall-clock throughput.
    let mut ratios = Vec::new();
    let mut cpu_ratios = Vec::new();
    let mut totals = [0.0_f64; 2];
    for round in 1..=options.rounds {
        let mut order = [(0, "/api/values"), (1, "/api/services")];
        if round % 2 == 0 {
            order.reverse();
        }
        let mut runs = [Run::default(); 2];
        for (i, path) in order {
            let cpu_before = process_cpu_secs()?;
            let mut run = wrk(&options, &format!("http://{backend_addr}{path}"), &token).await?;
            run.cpu_us_per_request =
                (process_cpu_secs()? - cpu_before) * 1e6 / run.requests.max(1) as f64;
            totals[i] += run.rps;
            runs[i] = run;
        }
        let ratio = runs[1].rps / runs[0].rps;
        let cpu_ratio = runs[0].cpu_us_per_request / runs[1].cpu_us_per_request;
        println!(
            "round {round}: /api/values {:>7.0} req/s {:>5.1} us/req   /api/services {:>7.0} req/s \
             {:>5.1} us/req   ratio {ratio:.3} (cpu {cpu_ratio:.3})",
            runs[0].rps, runs[0].cpu_us_per_request, runs[1].rps, runs[1].cpu_us_per_request
        );
        ratios.push(ratio);
        cpu_ratios.push(cpu_ratio);
    }
    let rounds = f64::from(options.rounds);
    println!(
        "mean: /api/values {:>7.0} req/s   /api/services {:>7.0} req/s",
        totals[0] / rounds,
        totals[1] / rounds
    );
    println!(
        "ratio secured/public, req/s (median of rounds): {:.3}",
        median(&mut ratios)
    );
    println!(
        "ratio secured/public, server CPU per request (median): {:.3}",
        median(&mut cpu_ratios)
    );

    backend_handle.stop(true).await;
    provider_handle.stop(true).await;
    Ok(())
}

#[derive(Debug, Clone, Copy, Default)]
struct Run {
    rps: f64,
    requests: u64,
    cpu_us_per_request: f64,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// User + system CPU time of this process (all threads), from `/proc/self/stat`.
fn process_cpu_secs() -> Result<f64, String> {
    const TICKS_PER_SEC: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| e.to_string())?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("bad /proc/self/stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or("bad stat field")
    };
    Ok((ticks(11)? + ticks(12)?) / TICKS_PER_SEC)
}

/// Runs wrk once (both endpoints get the same `Authorization` header, so request sizes
/// match) and returns its requests per second; any non-2xx answer fails the run.
async fn wrk(options: &Options, url: &str, token: &str) -> Result<Run, String> {
    let output = tokio::time::timeout(
        Duration::from_secs(options.duration_secs + 30),
        tokio::process::Command::new("wrk")
            .arg(format!("-t{}", options.threads))
            .arg(format!("-c{}", options.connections))
            .arg(format!("-d{}s", options.duration_secs))
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}"))
            .arg(url)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| "wrk did not finish in time".to_owned())?
    .map_err(|e| format!("cannot run wrk (apt-get install wrk): {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if let Some(line) = text.lines().find(|l| l.contains("Non-2xx")) {
        return Err(format!("{url}: {}", line.trim()));
    }
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk output: {text}"))?;
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no request count in wrk output: {text}"))?;
    Ok(Run {
        rps,
        requests,
        cpu_us_per_request: 0.0,
    })
}
