//! A site of several servers behind nginx, as `scripts/cluster.sh` starts one: the first
//! server runs inside the test (a [`TestApp`], for its database and store helpers), the others
//! are `proofroom` processes on the same PostgreSQL database and S3 bucket, and nginx sends
//! each request to the next of them.

use std::path::PathBuf;
use std::process::Command;

use crate::{TestApp, TestAppBuilder, Visitor};

pub struct Cluster {
    /// The first server, inside the test.
    pub app: TestApp,
    /// nginx's address: the site as clients reach it.
    pub base_url: String,
    /// Each server's own address, the first (the test's) included.
    pub nodes: Vec<String>,
    dir: tempfile::TempDir,
}

/// The cluster's stories need PostgreSQL, an S3 server and nginx. They run in the PostgreSQL
/// pass of `scripts/test.sh`; on SQLite they return early. Under `CI=true` the PostgreSQL pass
/// without S3 or nginx is a failure.
pub fn cluster_or_skip(story: &str) -> bool {
    if std::env::var("PROOFROOM_TEST_POSTGRES").is_err() {
        eprintln!(
            "{story}: several servers share PostgreSQL; this story runs in the PostgreSQL pass"
        );
        return false;
    }
    let nginx =
        ["/usr/sbin/nginx", "/usr/bin/nginx"].iter().any(|p| std::path::Path::new(p).exists());
    let missing = match (crate::test_s3().is_some(), nginx) {
        (true, true) => return true,
        (false, _) => "an S3 server (PROOFROOM_TEST_S3, scripts/garage.sh)",
        (true, false) => "nginx (apt-get install nginx-light)",
    };
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "{story}: CI needs {missing} for the cluster stories"
    );
    eprintln!("skipped {story}: no {missing}");
    false
}

fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> =
        (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port")).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

impl Cluster {
    /// Starts `nodes` servers (the test's own and `nodes - 1` processes) and nginx; `build`
    /// sets up the first server as for one alone (SMTP, Stripe, …), and the others get the same.
    pub async fn start(nodes: usize, build: impl FnOnce(TestAppBuilder) -> TestAppBuilder) -> Self {
        // nginx's port first (the site's address is the first server's `public_url`), the
        // processes' once the first server has taken its own.
        let nginx_port = free_ports(1)[0];
        let base_url = format!("http://127.0.0.1:{nginx_port}");
        let app = build(TestApp::builder().s3().trust_proxy().public_url(&base_url)).spawn().await;
        assert_ne!(app.base_url, base_url, "the first server took nginx's port: run again");
        let node_ports = &free_ports(nodes - 1);
        assert_eq!(app.backend(), "postgres", "a cluster shares a PostgreSQL database");
        let dir = tempfile::tempdir().expect("temp dir");
        let config = &app.config;
        let s3 = &config.s3;
        let mut command = Command::new(script());
        command
            .arg(dir.path())
            .args(["--nodes", &(nodes - 1).to_string(), "--port", &nginx_port.to_string()])
            .args(["--upstream", app.base_url.trim_start_matches("http://")])
            .env("PROOFROOM_BIN", crate::server_binary())
            .env("PROOFROOM_DATABASE_URL", config.database_url())
            .env("PROOFROOM_STORE", "s3")
            .env("PROOFROOM_S3_BUCKET", &s3.bucket)
            .env("PROOFROOM_S3_REGION", &s3.region)
            .env("PROOFROOM_S3_ENDPOINT", s3.endpoint.as_deref().unwrap_or_default())
            .env("PROOFROOM_S3_PATH_STYLE", "true")
            .env("PROOFROOM_S3_PREFIX", &s3.prefix)
            .env("PROOFROOM_S3_ACCESS_KEY_ID", s3.access_key_id.as_deref().unwrap_or_default())
            .env(
                "PROOFROOM_S3_SECRET_ACCESS_KEY",
                s3.secret_access_key.as_ref().map(|s| s.expose()).unwrap_or_default(),
            )
            .env("PROOFROOM_MAIL_FROM", &config.mail_from)
            .env("PROOFROOM_NOTICE_SECONDS", config.notice_seconds.to_string())
            .env("PROOFROOM_PUBLIC_URL", &base_url)
            .env("PROOFROOM_WORKERS", "2")
            // Tests run side by side on one PostgreSQL: each process takes a few connections.
            .env("PROOFROOM_MAX_DB_CONNECTIONS", "6")
            .env("PROOFROOM_LOG", "warn")
            .env_remove("PROOFROOM_CONFIG");
        let list: Vec<String> = node_ports.iter().map(u16::to_string).collect();
        command.args(["--node-ports", &list.join(",")]);
        let optional = [
            ("PROOFROOM_SMTP_URL", config.smtp_url.clone()),
            ("PROOFROOM_STRIPE_SECRET_KEY", config.stripe_secret_key.clone()),
            ("PROOFROOM_STRIPE_PUBLISHABLE_KEY", config.stripe_publishable_key.clone()),
            ("PROOFROOM_STRIPE_WEBHOOK_SECRET", config.stripe_webhook_secret.clone()),
            ("PROOFROOM_STRIPE_API_URL", Some(config.stripe_api_url.clone())),
            ("PROOFROOM_STRIPE_JS_URL", Some(config.stripe_js_url.clone())),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                command.env(name, value);
            }
        }
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("cluster.sh")
            .expect("scripts/cluster.sh runs");
        assert!(output.status.success(), "scripts/cluster.sh failed: {}", crate::printed(&output));
        let printed = String::from_utf8_lossy(&output.stdout);
        assert_eq!(printed.lines().last(), Some(base_url.as_str()), "{printed}");
        let mut node_urls = vec![app.base_url.clone()];
        node_urls.extend(node_ports.iter().map(|p| format!("http://127.0.0.1:{p}")));
        Self { app, base_url, nodes: node_urls, dir }
    }

    /// A visitor of the site, through nginx.
    pub fn visitor(&self) -> Visitor {
        Visitor::new(&self.base_url)
    }

    /// A visitor going to server `node` directly, with `like`'s cookies (the same browser).
    pub fn at_node(&self, like: &Visitor, node: usize) -> Visitor {
        like.same_browser_at(&self.nodes[node])
    }

    /// Kills server `node` (1…, a process) with SIGKILL: no clean-up of any kind.
    pub fn kill(&self, node: usize) {
        let pid = std::fs::read_to_string(self.pid_file(node)).expect("the server's pid");
        let pid: i32 = pid.trim().parse().expect("a pid");
        // SAFETY: kill(2) on a pid this test started.
        let killed = unsafe { libc::kill(pid, libc::SIGKILL) };
        assert_eq!(killed, 0, "SIGKILL to server {node}");
    }

    fn pid_file(&self, node: usize) -> PathBuf {
        assert!(node >= 1, "server 0 runs inside the test");
        self.dir.path().join(format!("node-{node}.pid"))
    }

    /// What server `node` (1…) logged.
    pub fn log(&self, node: usize) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("node-{node}.log")))
            .unwrap_or_default()
    }

    /// Runs the connector against the site through nginx, as a studio's connector does.
    pub async fn connector(
        &self,
        library: &std::path::Path,
        args: &[&str],
    ) -> std::process::Output {
        tokio::process::Command::new(crate::connector_binary())
            .args(args)
            .arg("--library")
            .arg(library)
            .args(["--server", &self.base_url])
            .env("PROOFROOM_TOKEN", &self.app.token)
            .env_remove("PROOFROOM_CONFIG")
            .output()
            .await
            .expect("connector runs")
    }

    /// Pushes the library through nginx; answers what the connector printed.
    pub async fn push(&self, library: &std::path::Path) -> String {
        let output = self.connector(library, &["push"]).await;
        let printed = crate::printed(&output);
        assert!(output.status.success(), "push through nginx failed:\n{printed}");
        printed
    }

    /// `visitor` registers as a guest of `event_id` and confirms from the email, all through
    /// nginx (the email's links are the site's, not one server's).
    pub async fn register_guest(
        &self,
        visitor: &mut Visitor,
        event_id: &str,
        name: &str,
        email: &str,
    ) -> crate::visitor::Answer {
        visitor.get(&format!("/register?event={event_id}")).await;
        let already = self.app.emails_to(email).len();
        let fields =
            [("name", name), ("email", email), ("password", "knitting123"), ("event", event_id)];
        let sent = visitor.post("/register", &fields).await;
        if sent.status != 200 {
            use diesel::prelude::*;
            use proofroom_server::db::schema::throttle_counts;
            let counts: Vec<(String, i32)> = self.app.with_db(|conn| {
                throttle_counts::table
                    .select((throttle_counts::throttle_key, throttle_counts::attempts))
                    .load(conn)
                    .unwrap()
            });
            panic!(
                "{email} registers: {}\n{}\nthrottle counts: {counts:?}",
                sent.status, sent.body
            );
        }
        let mail = self.app.next_email_to(email, already).await;
        let start = format!("{}/register/confirm/", self.base_url);
        let link = mail
            .body
            .split_whitespace()
            .find(|word| word.starts_with(&start))
            .map(|url| url[self.base_url.len()..].to_string())
            .unwrap_or_else(|| panic!("no confirmation link in: {}", mail.body));
        visitor.get(&link).await;
        visitor.post(&link, &[]).await
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg(self.dir.path()).arg("--stop").output();
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/cluster.sh")
}
