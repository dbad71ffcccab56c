//! Password hashing: argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use subtle::ConstantTimeEq;

use crate::error::AppError;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 200;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).expect("constant argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2: {e}")))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// Spends what a real check costs, so the time of an answer does not tell whether an account
/// exists or still uses its default password.
pub fn spend_verify_time(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("proofroom-dummy-password").unwrap_or_default());
    let _ = verify(password, dummy);
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
