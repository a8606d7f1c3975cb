//! The end-to-end test: a real headless Chromium signs in through the real provider and calls
//! the real API, everything on loopback ports chosen at run time.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use url::Url;

use crate::dev::write_identity_config;
use crate::parts::{self, Output, Part};
use crate::tools::{self, Tools, step};
use crate::workspace::Workspace;

const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
const TOTAL_STEPS: usize = 11;
/// Where the SPA keeps the session of its client `spa` in `sessionStorage`.
const SESSION_KEY: &str = "oidc.session.spa";

pub fn run(workspace: &Workspace, tools: &Tools) -> anyhow::Result<()> {
    let (chromium, chromedriver) = tools.browser()?;
    step("building the SPA for release with trunk");
    tools::run(
        tools
            .command("trunk")
            .current_dir(&workspace.root)
            .args(["build", "--release", "--dist"])
            .arg(spa_dist(workspace)),
    )?;
    tools.build_servers(workspace)?;
    let system = System {
        workspace,
        tools,
        chromium,
        chromedriver,
    };
    tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(system.test())
}

/// The test's own build of the SPA, apart from `frontend/dist`, which a running
/// `trunk serve` owns.
fn spa_dist(workspace: &Workspace) -> PathBuf {
    workspace.target_dir.join("e2e").join("dist")
}

/// What the test starts: the three parts, on ports of their own, with fresh state.
struct System<'a> {
    workspace: &'a Workspace,
    tools: &'a Tools,
    chromium: &'a Path,
    chromedriver: &'a Path,
}

impl System<'_> {
    async fn test(&self) -> anyhow::Result<()> {
        let scratch = tempfile::tempdir().context("creating a scratch directory")?;
        let identity_port = parts::free_port()?;
        let backend_port = parts::free_port()?;
        let driver_port = parts::free_port()?;
        let issuer = format!("http://localhost:{identity_port}");
        let app = format!("http://localhost:{backend_port}");
        let config = scratch.path().join("identity.toml");
        write_identity_config(&config, std::slice::from_ref(&app))?;

        let mut identity = self.tools.command(self.workspace.debug_bin("identity"));
        identity
            .current_dir(&self.workspace.root)
            .env("IDENTITY_LISTEN", format!("127.0.0.1:{identity_port}"))
            .env("IDENTITY_ISSUER", &issuer)
            .env("IDENTITY_DATA_DIR", scratch.path().join("identity-data"))
            .env("IDENTITY_CONFIG", &config);
        let mut backend = self.tools.command(self.workspace.debug_bin("backend"));
        backend
            .current_dir(&self.workspace.root)
            .env("BACKEND_LISTEN", format!("127.0.0.1:{backend_port}"))
            .env("BACKEND_ISSUER", &issuer)
            .env("BACKEND_STATIC_DIR", spa_dist(self.workspace));
        let mut driver = self.tools.command(self.chromedriver);
        driver.arg(format!("--port={driver_port}"));

        let mut running = vec![
            Part::spawn("identity", identity, Output::Capture)?,
            Part::spawn("backend", backend, Output::Capture)?,
            Part::spawn("chromedriver", driver, Output::Capture)?,
        ];
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        let ready = async {
            let discovery = format!("{issuer}/.well-known/openid-configuration");
            running[0]
                .wait_until_ready(&discovery, READY_TIMEOUT)
                .await?;
            let readyz = format!("http://127.0.0.1:{backend_port}/readyz");
            running[1].wait_until_ready(&readyz, READY_TIMEOUT).await?;
            running[2]
                .wait_until_ready(&format!("{driver_url}/status"), READY_TIMEOUT)
                .await
        };
        let outcome = match ready.await {
            Ok(()) => {
                let journey = Journey {
                    app: Url::parse(&app)?,
                    issuer: Url::parse(&issuer)?,
                    services_file: self.workspace.root.join("backend/data/services.json"),
                    artefacts: self.workspace.target_dir.join("e2e"),
                    driver_url,
                    chromium: self.chromium.to_owned(),
                    scratch: scratch.path().to_owned(),
                };
                journey.run().await
            }
            Err(error) => Err(error),
        };
        if outcome.is_err() {
            for part in &running {
                eprintln!("\n----- {} log (last lines) -----", part.name);
                for line in part.log_tail() {
                    eprintln!("{line}");
                }
            }
        }
        parts::stop_all(&mut running).await;
        outcome
    }
}

/// A person's visit, step by step, in one browser and then a second one.
struct Journey {
    app: Url,
    issuer: Url,
    services_file: PathBuf,
    artefacts: PathBuf,
    driver_url: String,
    chromium: PathBuf,
    scratch: PathBuf,
}

impl Journey {
    async fn run(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.artefacts)
            .with_context(|| format!("creating {}", self.artefacts.display()))?;
        let browser = self.open_browser("first").await?;
        let mut passed = 0;
        let outcome = self.first_visit(&browser, &mut passed).await;
        let outcome = match outcome {
            Ok(()) => self.second_browser(&mut passed).await,
            Err(error) => {
                self.save_failure(&browser).await;
                Err(error)
            }
        };
        let _ = browser.close().await;
        let failed = usize::from(outcome.is_err());
        println!("e2e: {passed} passed, {failed} failed");
        outcome.with_context(|| format!("browser test step {} of {TOTAL_STEPS}", passed + 1))
    }

    async fn first_visit(&self, browser: &Client, passed: &mut usize) -> anyhow::Result<()> {
        let b = browser;
        record(
            passed,
            "home, About, the provider's login page",
            self.opens_login(b),
        )
        .await?;
        record(
            passed,
            "a wrong password is refused",
            self.wrong_password(b),
        )
        .await?;
        record(
            passed,
            "alice signs in and lands on /about",
            self.signs_in(b),
        )
        .await?;
        record(passed, "Call API shows the values", self.calls_api(b)).await?;
        record(
            passed,
            "Call Secure API shows the services",
            self.calls_secure(b),
        )
        .await?;
        record(
            passed,
            "a reload keeps alice signed in",
            self.reload_keeps(b),
        )
        .await?;
        record(
            passed,
            "a token the API refuses ends the session and revokes its refresh token",
            self.refused_token(b),
        )
        .await?;
        record(
            passed,
            "sign-out; /about asks to sign in again",
            self.signs_out(b),
        )
        .await
    }

    /// Steps 9 to 11, in a fresh browser: a forged callback link completes nothing, opening
    /// `/about` directly signs in and lands there, and a crafted `/unauthorized` link shows
    /// none of its text.
    async fn second_browser(&self, passed: &mut usize) -> anyhow::Result<()> {
        let browser = self.open_browser("second").await?;
        let b = &browser;
        let outcome = async {
            record(
                passed,
                "a forged callback link completes nothing and leaves the address bar",
                self.forged_callback(b),
            )
            .await?;
            record(
                passed,
                "a second browser opens /about directly",
                self.opens_about_directly(b),
            )
            .await?;
            record(
                passed,
                "a crafted /unauthorized link cannot put its words on the page",
                self.crafted_unauthorized_link(b),
            )
            .await
        }
        .await;
        if outcome.is_err() {
            self.save_failure(b).await;
        }
        let _ = browser.close().await;
        outcome
    }

    async fn forged_callback(&self, browser: &Client) -> anyhow::Result<()> {
        let link = self.app.join("/callback?code=forged&state=forged")?;
        browser.goto(link.as_str()).await?;
        eventually(|| async {
            let heading = browser.find(Locator::Css("main h1")).await?.text().await?;
            ensure!(
                heading == "Nothing to complete",
                "the callback page says {heading:?}"
            );
            let url = browser.current_url().await?;
            ensure!(
                url.path() == "/callback" && url.query().is_none(),
                "the address is still {url}"
            );
            Ok(())
        })
        .await
    }

    async fn opens_about_directly(&self, browser: &Client) -> anyhow::Result<()> {
        browser.goto(self.app.join("/about")?.as_str()).await?;
        self.sign_in_from_login(browser).await?;
        self.expect_signed_in_on_about(browser).await
    }

    async fn crafted_unauthorized_link(&self, browser: &Client) -> anyhow::Result<()> {
        let link = "/unauthorized?error=access_denied&error_description=Call+0800+FAKE\
                    &return_path=%2Fcallback";
        browser.goto(self.app.join(link)?.as_str()).await?;
        let shown = wait_for(browser, Locator::Id("provider-error"))
            .await?
            .text()
            .await?;
        ensure!(
            !shown.contains("FAKE") && shown.contains("You are not allowed to see that page."),
            "the page shows the link's text: {shown:?}"
        );
        Ok(())
    }

    async fn opens_login(&self, browser: &Client) -> anyhow::Result<()> {
        browser.goto(self.app.as_str()).await?;
        wait_for(browser, Locator::Id("nav-about"))
            .await?
            .click()
            .await?;
        self.expect_login_page(browser).await
    }

    async fn wrong_password(&self, browser: &Client) -> anyhow::Result<()> {
        self.submit_login(browser, "alice", "not-the-password")
            .await?;
        let error = wait_for(browser, Locator::Id("login-error")).await?;
        let text = error.text().await?;
        ensure!(
            text.contains("Invalid username or password"),
            "the login error says {text:?}"
        );
        self.expect_login_page(browser).await
    }

    async fn signs_in(&self, browser: &Client) -> anyhow::Result<()> {
        self.sign_in_from_login(browser).await?;
        self.expect_signed_in_on_about(browser).await
    }

    async fn calls_api(&self, browser: &Client) -> anyhow::Result<()> {
        wait_for(browser, Locator::Id("call-api"))
            .await?
            .click()
            .await?;
        let texts = eventually(|| async {
            let items = browser.find_all(Locator::Css("#values li")).await?;
            let mut texts = Vec::new();
            for item in items {
                texts.push(item.text().await?);
            }
            ensure!(texts.len() == 2, "values shown: {texts:?}");
            Ok(texts)
        })
        .await?;
        ensure!(texts == ["value1", "value2"], "values shown: {texts:?}");
        Ok(())
    }

    async fn calls_secure(&self, browser: &Client) -> anyhow::Result<()> {
        let served: Vec<shared::Service> = serde_json::from_str(
            &std::fs::read_to_string(&self.services_file)
                .with_context(|| format!("reading {}", self.services_file.display()))?,
        )
        .context("parsing the services file")?;
        wait_for(browser, Locator::Id("call-secure-api"))
            .await?
            .click()
            .await?;
        let shown = eventually(|| async {
            let shown = browser
                .execute(
                    "return Array.from(document.querySelectorAll('#services li.service')).map(li => {
                        const img = li.querySelector('img'), a = li.querySelector('a');
                        return {
                            src: img && img.getAttribute('src'), alt: img && img.alt,
                            width: img && img.complete ? img.naturalWidth : 0,
                            href: a && a.getAttribute('href'), text: a && a.textContent.trim(),
                        };
                    });",
                    vec![],
                )
                .await?;
            let shown = shown.as_array().cloned().unwrap_or_default();
            ensure!(shown.len() == served.len(), "services shown: {shown:?}");
            ensure!(
                shown.iter().all(|item| item["width"].as_u64().unwrap_or(0) > 0),
                "not every icon has loaded: {shown:?}"
            );
            Ok(shown)
        })
        .await?;
        for (item, service) in shown.iter().zip(&served) {
            let expected = json!({
                "src": service.icon_uri, "alt": service.name,
                "href": service.uri, "text": service.name,
            });
            for key in ["src", "alt", "href", "text"] {
                ensure!(
                    item[key] == expected[key],
                    "service {:?}: {key} is {} but the API served {}",
                    service.name,
                    item[key],
                    expected[key]
                );
            }
        }
        let screenshot = browser.screenshot().await?;
        let path = self.artefacts.join("about.png");
        std::fs::write(&path, screenshot).with_context(|| format!("writing {}", path.display()))?;
        println!("e2e: saved {}", path.display());
        Ok(())
    }

    async fn reload_keeps(&self, browser: &Client) -> anyhow::Result<()> {
        browser.refresh().await?;
        self.expect_signed_in_on_about(browser).await
    }

    /// Spoils the stored access token, so the API answers 401: the SPA must revoke the
    /// session's refresh token, sign in again by itself (the provider still knows alice) and
    /// come back to `/about`.
    async fn refused_token(&self, browser: &Client) -> anyhow::Result<()> {
        let spoil = "const key = arguments[0]; \
                     const session = JSON.parse(sessionStorage.getItem(key)); \
                     session.access_token = 'spoiled'; \
                     sessionStorage.setItem(key, JSON.stringify(session)); \
                     return session.refresh_token;";
        let refresh_token = browser
            .execute(spoil, vec![json!(SESSION_KEY)])
            .await?
            .as_str()
            .map(str::to_owned)
            .context("the stored session has no refresh token")?;
        wait_for(browser, Locator::Id("call-secure-api"))
            .await?
            .click()
            .await?;
        eventually(|| async {
            let token: serde_json::Value = browser
                .execute(
                    "return JSON.parse(sessionStorage.getItem(arguments[0]) || 'null')",
                    vec![json!(SESSION_KEY)],
                )
                .await?;
            let current = token["access_token"].as_str().unwrap_or("spoiled");
            ensure!(current != "spoiled", "the SPA has not signed in again yet");
            Ok(())
        })
        .await?;
        self.expect_signed_in_on_about(browser).await?;

        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("client_id", "spa")
            .append_pair("refresh_token", &refresh_token)
            .finish();
        let response = reqwest::Client::new()
            .post(self.issuer.join("/token")?)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .context("calling the provider's token endpoint")?;
        let status = response.status();
        // Only the error code is reported: a success would carry live tokens.
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        let error = answer["error"].as_str().unwrap_or("none");
        ensure!(
            status == 400 && error == "invalid_grant",
            "the old refresh token was not refused: HTTP {status}, error {error}"
        );
        Ok(())
    }

    async fn signs_out(&self, browser: &Client) -> anyhow::Result<()> {
        wait_for(browser, Locator::Id("nav-home"))
            .await?
            .click()
            .await?;
        let name = wait_for(browser, Locator::Id("user-name"))
            .await?
            .text()
            .await?;
        ensure!(
            name.contains("Alice"),
            "the home page names {name:?} as signed in"
        );
        wait_for(browser, Locator::Id("sign-out"))
            .await?
            .click()
            .await?;
        eventually(|| async {
            let url = browser.current_url().await?;
            ensure!(
                url.origin() == self.app.origin() && url.path() == "/",
                "after sign-out the browser is at {url}"
            );
            Ok(())
        })
        .await?;
        wait_for(browser, Locator::Id("sign-in")).await?;
        browser.goto(self.app.join("/about")?.as_str()).await?;
        self.expect_login_page(browser).await
    }

    async fn sign_in_from_login(&self, browser: &Client) -> anyhow::Result<()> {
        self.expect_login_page(browser).await?;
        self.submit_login(browser, "alice", "password").await
    }

    async fn submit_login(
        &self,
        browser: &Client,
        user: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        let username = wait_for(browser, Locator::Id("username")).await?;
        username.clear().await?;
        username.send_keys(user).await?;
        let field = browser.find(Locator::Id("password")).await?;
        field.clear().await?;
        field.send_keys(password).await?;
        browser.find(Locator::Id("login")).await?.click().await?;
        Ok(())
    }

    async fn expect_login_page(&self, browser: &Client) -> anyhow::Result<()> {
        wait_for(browser, Locator::Id("username")).await?;
        let url = browser.current_url().await?;
        ensure!(
            url.origin() == self.issuer.origin(),
            "expected the provider's login page, the browser is at {url}"
        );
        Ok(())
    }

    async fn expect_signed_in_on_about(&self, browser: &Client) -> anyhow::Result<()> {
        let name = eventually(|| async {
            let url = browser.current_url().await?;
            ensure!(
                url.origin() == self.app.origin() && url.path() == "/about",
                "expected /about, the browser is at {url}"
            );
            let query: Vec<_> = url.query_pairs().map(|(key, _)| key.into_owned()).collect();
            ensure!(
                !query.iter().any(|key| key == "code" || key == "state"),
                "the address still carries {query:?}"
            );
            // The navigation bar names the signed-in user on every page.
            Ok(browser
                .find(Locator::Css(".nav-user"))
                .await?
                .text()
                .await?)
        })
        .await?;
        ensure!(
            name.contains("Alice"),
            "the signed-in user is shown as {name:?}"
        );
        wait_for(browser, Locator::Id("call-api")).await?;
        Ok(())
    }

    async fn open_browser(&self, profile: &str) -> anyhow::Result<Client> {
        let profile = self.scratch.join(format!("chromium-{profile}"));
        let options = json!({
            "binary": self.chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        ClientBuilder::rustls()
            .context("setting up the WebDriver client")?
            .capabilities(capabilities)
            .connect(&self.driver_url)
            .await
            .context("starting Chromium through ChromeDriver")
    }

    async fn save_failure(&self, browser: &Client) {
        if let Ok(url) = browser.current_url().await {
            eprintln!("e2e: the failing page is {url}");
        }
        if let Ok(png) = browser.screenshot().await {
            let path = self.artefacts.join("failure.png");
            if std::fs::write(&path, png).is_ok() {
                eprintln!(
                    "e2e: saved a screenshot of the failing page to {}",
                    path.display()
                );
            }
        }
    }
}

/// Awaits one step, counting and announcing it when it passes.
async fn record(
    passed: &mut usize,
    name: &str,
    step: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    step.await.with_context(|| name.to_owned())?;
    *passed += 1;
    println!("e2e: step {passed}/{TOTAL_STEPS} ok: {name}");
    Ok(())
}

async fn wait_for(
    browser: &Client,
    locator: Locator<'_>,
) -> anyhow::Result<fantoccini::elements::Element> {
    browser
        .wait()
        .at_most(STEP_TIMEOUT)
        .for_element(locator)
        .await
        .with_context(|| format!("waiting for {locator:?}"))
}

/// Retries `check` until it succeeds or the step's time is up, returning the last failure.
async fn eventually<T, F, Fut>(mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    loop {
        match check().await {
            Ok(value) => return Ok(value),
            Err(error) if tokio::time::Instant::now() > deadline => return Err(error),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}
