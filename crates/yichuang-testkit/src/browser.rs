//! Real Chromium for page tests: Debian's `chromium` driven by `chromedriver` over WebDriver.
//! Without the two binaries a test prints SKIPPED; under `CI=true` it fails instead.

use std::process::Stdio;
use std::time::Duration;

use thirtyfour::{ChromiumLikeCapabilities, DesiredCapabilities, WebDriver};
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session; the driver process dies with it.
pub struct Browser {
    /// The WebDriver session.
    pub driver: WebDriver,
    _chromedriver: Child,
    _profile: tempfile::TempDir,
}

/// Starts Chromium, or returns `None` after printing SKIPPED when it is not installed.
pub async fn start(test: &str) -> Option<Browser> {
    let present =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium and chromium-driver are missing but CI=true: browser tests must run in CI"
        );
        eprintln!("SKIPPED {test}: install chromium and chromium-driver to run browser tests");
        return None;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromedriver");
    // Readiness: wait until chromedriver accepts connections (bounded).
    let mut ready = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(ready, "chromedriver did not start on port {port}");
    let profile = tempfile::tempdir().unwrap();
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    caps.set_headless().unwrap();
    caps.set_no_sandbox().unwrap();
    caps.set_disable_gpu().unwrap();
    for arg in [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1280,1600",
        "--lang=zh-CN",
        // The document camera (高拍仪) journey: a fake webcam, allowed without a prompt.
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
        .unwrap();
    let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
        .await
        .expect("webdriver session");
    Some(Browser {
        driver,
        _chromedriver: child,
        _profile: profile,
    })
}

impl Drop for Browser {
    // A journey that panics never reaches `quit`: killing chromedriver leaves its Chromium
    // running (and burning CPU for the rest of the suite, which slowed every later journey).
    // Every process of this session names the profile directory, so those are ended here.
    fn drop(&mut self) {
        let profile = self._profile.path().display().to_string();
        let _ = std::process::Command::new("pkill")
            // No leading dashes: pkill would read the pattern as one of its options.
            .args(["-9", "-f", &format!("user-data-dir={profile}")])
            .status();
    }
}

impl Browser {
    /// Saves a screenshot of the current page as `target/screenshots/<name>.png` (the folder
    /// CI keeps, so a reviewer can look at the pages the journeys saw).
    pub async fn screenshot(&self, name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        if std::fs::create_dir_all(&dir).is_ok()
            && let Err(e) = self
                .driver
                .screenshot(&dir.join(format!("{name}.png")))
                .await
        {
            eprintln!("screenshot {name} failed: {e}");
        }
    }

    /// Ends the session.
    pub async fn quit(self) {
        let _ = self.driver.clone().quit().await;
    }
}
