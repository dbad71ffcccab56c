//! Password hashing: argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane).

use std::cell::RefCell;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

use crate::error::AppError;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 200;

fn params() -> Params {
    Params::new(MEMORY_KIB, PASSES, 1, None).expect("constant argon2 parameters")
}

thread_local! {
    /// argon2's working memory, kept by each thread that hashes. Allocating 19 MiB afresh for
    /// every hash let the allocator's heap grow with each one (about 7 MB per sign-in,
    /// measured by tests/tests/memory.rs); a password thread now holds one block for good.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The raw argon2 output of `password` into `out`, in this thread's kept memory.
fn compute(
    argon2: &Argon2,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    MEMORY.with_borrow_mut(|memory| {
        let blocks = params.block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

pub fn hash(password: &str) -> Result<String, AppError> {
    let failed = |e: &dyn std::fmt::Display| AppError::internal(format!("argon2: {e}"));
    let salt = SaltString::generate(&mut OsRng);
    let params = params();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(|e| failed(&e))?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        compute(&argon2, &params, password.as_bytes(), salt_bytes, out).map_err(Into::into)
    })
    .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` is the one `stored` (a PHC string) was made from; compared in constant
/// time.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm) else { return false };
    let version = match phc.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&phc) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    compute(&argon2, &params, password.as_bytes(), salt_bytes, &mut out).is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// Spends what a real check costs, so the time of an answer does not tell whether an account
/// exists or still uses its default password.
pub fn spend_verify_time(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("proofroom-dummy-password").unwrap_or_default());
    let _ = verify(password, dummy);
}

/// Runs the argon2 work — sign-ins, registrations, password changes and resets together — on
/// one thread per core of its own, in turn. Each hash takes 19 MiB: 300 requests at once on the
/// shared blocking pool would take 5.7 GB, and even one at a time there, each pool thread's
/// allocator would keep a 19 MiB block of its own. Requests beyond the cores wait in the queue,
/// holding only their form.
pub struct PasswordWork {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

impl PasswordWork {
    pub fn new(threads: usize) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = receiver.clone();
            let spawned =
                std::thread::Builder::new().name(format!("password-{n}")).spawn(move || {
                    loop {
                        // The lock is held only to take a job, not while it runs.
                        let job = match receiver.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panicking job loses its own answer, not the thread.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            // Every sender is gone: the server has stopped.
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a password thread: {e}");
            }
        }
        Self { jobs: std::sync::Mutex::new(sender) }
    }

    /// Runs `work` (hashing or verifying) on a password thread, once one is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs
            .lock()
            .map_err(|_| AppError::internal("password work: queue poisoned"))?
            .send(job)
            .map_err(|_| AppError::internal("password work: no thread runs"))?;
        result.await.map_err(|_| AppError::internal("password work: the job was dropped"))
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let password = password.to_string();
        self.run(move || hash(&password)).await?
    }
}

/// A client's default password is their last name; letter case and surrounding spaces are
/// forgiven for it (and only for it).
pub fn matches_default(typed: &str, last_name: &str) -> bool {
    let typed = typed.trim().to_lowercase();
    let expected = last_name.trim().to_lowercase();
    !expected.is_empty() && bool::from(typed.as_bytes().ct_eq(expected.as_bytes()))
}

/// Rules for a password a person chooses.
pub fn check_new(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::unprocessable(
            "password_too_short",
            format!("Choose a password of at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::unprocessable(
            "password_too_long",
            format!("Choose a password of at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_minimum_cost() {
        let stored = hash("correct horse").unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert!(params.m_cost() >= 19 * 1024 && params.t_cost() >= 2, "{stored}");
        assert!(verify("correct horse", &stored));
        // The crate's own verifier agrees, both ways.
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let default = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        assert!(default.verify_password(b"correct horse", &parsed).is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = default.hash_password(b"battery staple", &salt).unwrap().to_string();
        assert!(verify("battery staple", &theirs));
        assert!(!verify("Correct horse", &stored));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn the_default_password_forgives_case_and_spaces() {
        assert!(matches_default("  smith ", "Smith"));
        assert!(matches_default("SMITH", "smith"));
        assert!(!matches_default("smit", "Smith"));
        assert!(!matches_default("", " "));
    }
}
