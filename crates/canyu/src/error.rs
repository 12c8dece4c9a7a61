//! Errors of the command line: a message for the operator, printed before exiting non-zero.

pub type CliResult<T> = Result<T, CliError>;

#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for CliError {
    fn from(s: String) -> Self {
        CliError(s)
    }
}
impl From<&str> for CliError {
    fn from(s: &str) -> Self {
        CliError(s.to_string())
    }
}
impl From<canyu_store::StoreError> for CliError {
    fn from(e: canyu_store::StoreError) -> Self {
        CliError(format!("database: {e}"))
    }
}
impl From<canyu_text::TextError> for CliError {
    fn from(e: canyu_text::TextError) -> Self {
        CliError(format!("search index: {e}"))
    }
}
impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError(format!("I/O: {e}"))
    }
}
impl From<canyu_app::AppError> for CliError {
    fn from(e: canyu_app::AppError) -> Self {
        CliError(e.code.message(canyu_core::Locale::En).to_string())
    }
}
