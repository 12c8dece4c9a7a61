//! The delivery worker: works off the outbox (`delivery_jobs`), sending notification emails
//! to fans and event webhooks to the team's channels, with retries and backoff.
//!
//! Jobs are written in the transaction of the change they report, so nothing acknowledged
//! is lost to a crash; a job is claimed with a lease, so a worker that dies mid-send lets
//! it fall due again. That makes delivery at least once: a crash between the receiver
//! accepting a message and the job being marked done sends it again, with the same
//! `Message-ID` / `X-Canyu-Event-Id`, so receivers can recognise the repeat. Each
//! (channel, recipient, event) is queued once, so retries never add a second message.

use crate::notify::text::notification_text;
use canyu_core::Locale;
use canyu_notify::{
    DeliveryError, MAX_ATTEMPTS, Mailer, Message, SmtpConfig, WebhookClient, WebhookFormat, WebhookTarget,
    WebhookUrl, backoff,
};
use canyu_store::{DeliveryJob, Notification, NotificationKind, Store};
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed job is held before another worker may take it.
const LEASE_MS: i64 = 5 * 60 * 1000;
/// Jobs claimed per round.
const BATCH: i64 = 20;

pub struct Deliverer {
    store: Store,
    mailer: Option<Mailer>,
    webhooks: WebhookClient,
    /// `https://canyu.example.com`: links in messages are absolute.
    public_url: String,
    link_secret: Arc<Vec<u8>>,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl Deliverer {
    pub fn new(
        store: Store,
        smtp: Option<&SmtpConfig>,
        public_url: &str,
        addresses: canyu_notify::AddressPolicy,
        link_secret: Arc<Vec<u8>>,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    ) -> Result<Deliverer, String> {
        let mailer = smtp.map(Mailer::new).transpose().map_err(|e| e.to_string())?;
        let webhooks =
            WebhookClient::new(WebhookClient::DEFAULT_TIMEOUT, addresses).map_err(|e| e.to_string())?;
        Ok(Deliverer {
            store,
            mailer,
            webhooks,
            public_url: public_url.trim_end_matches('/').to_string(),
            link_secret,
            clock,
        })
    }

    /// Claims and works off one batch of due jobs; returns how many it handled.
    pub async fn run_once(&self) -> Result<usize, canyu_store::StoreError> {
        let now = (self.clock)();
        let jobs = self.store.claim_jobs(now, BATCH, LEASE_MS).await?;
        for job in &jobs {
            self.handle(job).await?;
        }
        Ok(jobs.len())
    }

    /// Runs until the process ends, polling every second when idle.
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(0) => tokio::time::sleep(Duration::from_secs(1)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "delivery round failed");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    }

    async fn handle(&self, job: &DeliveryJob) -> Result<(), canyu_store::StoreError> {
        let now = (self.clock)();
        let result = match job.channel.as_str() {
            "email" => self.email(job).await,
            "webhook" => self.webhook(job, now).await,
            other => Err(Outcome::Skip(format!("unknown channel {other}"))),
        };
        match result {
            Ok(()) => self.store.complete_job(job.id, now).await,
            Err(Outcome::Skip(why)) => self.store.drop_job(job.id, "skipped", &why, now).await,
            Err(Outcome::Failed(DeliveryError::Transient(why))) if job.attempts < i64::from(MAX_ATTEMPTS) => {
                let wait = backoff(job.attempts as u32, rand_u64());
                tracing::info!(job = job.id, attempts = job.attempts, error = %why, "delivery will be retried");
                self.store.retry_job(job.id, now + wait.as_millis() as i64, &why).await
            }
            Err(Outcome::Failed(e)) => {
                tracing::warn!(job = job.id, attempts = job.attempts, error = %e, "delivery failed for good");
                self.store.drop_job(job.id, "dead", &e.to_string(), now).await
            }
        }
    }

    fn message(&self, job: &DeliveryJob, recipient: &str) -> Message {
        let text = job_text(job);
        let link = job_link(job).map(|path| format!("{}{path}", self.public_url));
        Message {
            event_id: format!("{}-{}-{recipient}", job.event_key.replace(':', "-"), job.channel),
            kind: job.kind.clone(),
            subject: format!("[canyu] {text}"),
            text,
            link,
            unsubscribe_url: None,
            data: job.payload.clone(),
        }
    }

    async fn email(&self, job: &DeliveryJob) -> Result<(), Outcome> {
        let Some(mailer) = &self.mailer else {
            return Err(Outcome::Skip("no SMTP server configured".into()));
        };
        let recipient =
            self.store.email_recipient(job.target_id).await.map_err(|e| Outcome::transient(&e))?;
        let Some(recipient) = recipient else { return Err(Outcome::Skip("account removed".into())) };
        let email = match (&recipient.email, recipient.enabled) {
            (Some(email), true) if !email.is_empty() => email.clone(),
            _ => return Err(Outcome::Skip("email turned off".into())),
        };
        let mut msg = self.message(job, &job.target_id.to_string());
        msg.unsubscribe_url = Some(format!(
            "{}{}",
            self.public_url,
            crate::notify::unsubscribe_path(&self.link_secret, job.target_id)
        ));
        mailer.send(&email, &msg).await.map_err(Outcome::Failed)
    }

    async fn webhook(&self, job: &DeliveryJob, now: i64) -> Result<(), Outcome> {
        let hook = self.store.webhook(job.target_id).await.map_err(|e| Outcome::transient(&e))?;
        let Some(hook) = hook else { return Err(Outcome::Skip("webhook removed".into())) };
        let url = WebhookUrl::parse(&hook.url).map_err(|e| Outcome::Skip(e.to_string()))?;
        let format: WebhookFormat =
            hook.format.parse().map_err(|_| Outcome::Skip("unknown format".into()))?;
        let target = WebhookTarget { url, format, secret: hook.secret.clone() };
        let msg = self.message(job, &format!("w{}", hook.id));
        self.webhooks.send(&target, &msg, now / 1000).await.map_err(Outcome::Failed)
    }
}

enum Outcome {
    /// Nothing to send it with, or nobody to send it to: not an error.
    Skip(String),
    Failed(DeliveryError),
}

impl Outcome {
    fn transient(e: &canyu_store::StoreError) -> Outcome {
        Outcome::Failed(DeliveryError::Transient(e.to_string()))
    }
}

/// The notification a job carries, as the inbox shows it (Chinese: the site's default).
fn job_text(job: &DeliveryJob) -> String {
    let title = job.payload.get("title").and_then(|v| v.as_str()).unwrap_or_default();
    match NotificationKind::parse(&job.kind) {
        Some(kind) => notification_text(Locale::ZhCn, &as_notification(job, kind)),
        None if job.kind == "post.created" => format!("新帖：「{title}」"),
        None => format!("{}：「{title}」", job.kind),
    }
}

fn job_link(job: &DeliveryJob) -> Option<String> {
    match NotificationKind::parse(&job.kind) {
        Some(kind) => crate::notify::text::notification_url(&as_notification(job, kind)),
        None => job.post_id.map(|id| format!("/posts/{id}")),
    }
}

fn as_notification(job: &DeliveryJob, kind: NotificationKind) -> Notification {
    Notification {
        id: 0,
        kind,
        post_id: job.post_id,
        actor_handle: None,
        data: job.payload.clone(),
        created_at: 0,
        read_at: None,
    }
}

pub(crate) fn rand_u64() -> u64 {
    // Jitter only needs to differ between jobs and processes, not to be secret.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    //! The worker against a real SMTP server process (the notify crate's Python sink) and a
    //! real HTTP receiver on loopback, on every configured backend.

    use super::*;
    use axum::http::{HeaderMap, StatusCode};
    use canyu_core::{PostKind, PostStatus, Role};
    use canyu_notify::{SmtpSecurity, verify_generic_signature};
    use canyu_store::testing::{backends, fresh_store};
    use canyu_store::{NewPost, NewProduct, NewUser, NewWebhook};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicI64, Ordering};

    struct Sink {
        child: Child,
        port: u16,
        dir: PathBuf,
    }

    impl Drop for Sink {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn start_sink() -> Option<Sink> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../notify/tests/smtp_sink.py");
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let dir = std::env::temp_dir().join(format!("canyu-sink-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let child = match Command::new("python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                println!("skipping the email part: cannot run python3 ({e})");
                return None;
            }
        };
        let mut sink = Sink { child, port, dir };
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            if let Ok(Some(status)) = sink.child.try_wait() {
                println!("skipping the email part: the SMTP sink exited ({status}); install aiosmtpd");
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn sink_messages(dir: &Path) -> Vec<serde_json::Value> {
        let mut found = Vec::new();
        for n in 1.. {
            match std::fs::read(dir.join(format!("{n}.json"))) {
                Ok(bytes) => found.push(serde_json::from_slice(&bytes).unwrap_or_default()),
                Err(_) => break,
            }
        }
        found
    }

    #[derive(Default)]
    struct Received {
        requests: Mutex<Vec<(HeaderMap, Vec<u8>)>>,
    }

    /// An HTTP receiver that answers 503 to its first request and 200 afterwards.
    async fn start_receiver() -> (String, Arc<Received>) {
        let received = Arc::new(Received::default());
        let shared = received.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let shared = shared.clone();
                async move {
                    let mut requests = shared.requests.lock().unwrap_or_else(|e| e.into_inner());
                    requests.push((headers, body.to_vec()));
                    if requests.len() == 1 { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}/hook"), received)
    }

    #[tokio::test]
    async fn emails_and_webhooks_are_delivered_once_with_retries_across_restarts() {
        let sink = start_sink();
        for backend in backends() {
            // The sink is shared by the backends' runs: count this run's messages only.
            let mails_before = sink.as_ref().map_or(0, |s| sink_messages(&s.dir).len());
            let (store, _) = fresh_store(backend).await.unwrap();
            store.create_category("car", "汽车", "Cars").await.unwrap();
            let product = store
                .create_product(NewProduct {
                    slug: "su7",
                    name: "SU7",
                    category_slug: "car",
                    tagline: "",
                    created_at: 1,
                })
                .await
                .unwrap();
            let user = |handle: &'static str, email: Option<&'static str>, role| NewUser {
                handle,
                email,
                password_hash: "x",
                role,
                bio: "",
                created_at: 1,
            };
            let fan = store.create_user(user("粉丝", Some("fan@example.com"), Role::Fan)).await.unwrap();
            let quiet = store.create_user(user("安静", Some("quiet@example.com"), Role::Fan)).await.unwrap();
            store.set_email_notifications(quiet.id, false).await.unwrap();
            let staff = store.create_user(user("staff", None, Role::Staff)).await.unwrap();
            let (hook_url, received) = start_receiver().await;
            store
                .create_webhook(NewWebhook {
                    product_id: Some(product.id),
                    url: &hook_url,
                    format: "generic",
                    secret: Some("s3cret"),
                    created_by: staff.id,
                    now: 1,
                })
                .await
                .unwrap();
            let post = store
                .create_post(NewPost {
                    product_id: product.id,
                    author_id: fan.id,
                    kind: PostKind::Idea,
                    title: "希望加入哨兵模式",
                    body: "停车录像",
                    tags: &[],
                    beta: false,
                    created_at: 10,
                })
                .await
                .unwrap();
            store.vote(post.id, quiet.id, 11).await.unwrap();
            store.change_status(post.id, staff.id, PostStatus::Planned, None, 12).await.unwrap();

            // Nothing has run yet: the jobs wait in the database, whatever happens to the
            // process (this worker is a fresh one, as after a restart).
            let clock = Arc::new(AtomicI64::new(1_800_000_000_000));
            let now = {
                let clock = clock.clone();
                Arc::new(move || clock.load(Ordering::SeqCst)) as Arc<dyn Fn() -> i64 + Send + Sync>
            };
            let smtp = sink.as_ref().map(|s| SmtpConfig {
                host: "127.0.0.1".into(),
                port: s.port,
                security: SmtpSecurity::None,
                username: None,
                password: None,
                from: "canyu <noreply@canyu.example>".into(),
                timeout: Duration::from_secs(10),
            });
            let secret = Arc::new(b"link-secret-for-tests-0123456789".to_vec());
            let worker = Deliverer::new(
                store.clone(),
                smtp.as_ref(),
                "https://canyu.example",
                canyu_notify::AddressPolicy::AllowPrivate, // the receiver listens on loopback
                secret.clone(),
                now.clone(),
            )
            .unwrap();
            // post.created and post.status to the webhook, one email (the quiet fan opted out).
            assert_eq!(worker.run_once().await.unwrap(), 3, "{backend:?}");
            let counts = store.job_counts().await.unwrap();
            let expected_email = if sink.is_some() { "done" } else { "skipped" };
            assert!(counts.contains(&("email".into(), expected_email.into(), 1)), "{counts:?}");
            assert!(
                counts.contains(&("webhook".into(), "pending".into(), 1)),
                "one 503 is retried: {counts:?}"
            );
            assert!(counts.contains(&("webhook".into(), "done".into(), 1)), "{counts:?}");
            // Not due yet: nothing happens.
            assert_eq!(worker.run_once().await.unwrap(), 0);
            // Hours later (past any backoff of a first retry) it goes through.
            clock.fetch_add(7 * 3600 * 1000, Ordering::SeqCst);
            assert_eq!(worker.run_once().await.unwrap(), 1);
            assert_eq!(worker.run_once().await.unwrap(), 0, "nothing is sent twice");
            let counts = store.job_counts().await.unwrap();
            assert!(counts.iter().all(|(_, app, _)| app == "done" || app == "skipped"), "{counts:?}");

            let requests = received.requests.lock().unwrap_or_else(|e| e.into_inner()).clone();
            assert_eq!(requests.len(), 3, "two events, one of them retried after its 503");
            let ids: Vec<String> = requests
                .iter()
                .map(|(h, _)| {
                    h.get("x-canyu-event-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
                })
                .collect();
            assert_eq!(
                ids.iter().filter(|id| **id == ids[0]).count(),
                2,
                "the 503 was retried with its id: {ids:?}"
            );
            for (headers, body) in &requests {
                let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                assert!(verify_generic_signature(
                    "s3cret",
                    &header("x-canyu-timestamp"),
                    body,
                    &header("x-canyu-signature")
                ));
            }
            let status: Vec<serde_json::Value> = requests
                .iter()
                .filter_map(|(_, body)| serde_json::from_slice::<serde_json::Value>(body).ok())
                .filter(|p| p["kind"] == "post.status")
                .collect();
            let payload = status.last().expect("a post.status delivery");
            assert_eq!(payload["link"], format!("https://canyu.example/posts/{}", post.id));
            assert!(payload["subject"].as_str().unwrap_or("").contains("希望加入哨兵模式"), "{payload}");

            if let Some(sink) = &sink {
                let mails = sink_messages(&sink.dir).split_off(mails_before);
                let mine: Vec<_> = mails
                    .iter()
                    .filter(|m| {
                        m["headers"]["message-id"]
                            .as_str()
                            .is_some_and(|id| id.contains(&format!("-{}@", fan.id)))
                    })
                    .collect();
                assert_eq!(mine.len(), 1, "one email for the fan: {mails:?}");
                let m = mine[0];
                assert_eq!(m["rcpt_tos"], serde_json::json!(["fan@example.com"]));
                let unsubscribe = m["headers"]["list-unsubscribe"].as_str().unwrap_or("");
                let expected = crate::notify::unsubscribe_path(&secret, fan.id);
                assert!(unsubscribe.contains(&expected), "{unsubscribe}");
                assert!(m["headers"]["subject"].as_str().unwrap_or("").contains("已计划"), "{m}");
            }
            store.close().await;
        }
    }
}
