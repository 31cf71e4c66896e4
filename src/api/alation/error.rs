//! Failures of Alation calls, each naming the endpoint; never a token or password.

use crate::http::HttpError;

/// A failed Alation call.
#[derive(Debug, thiserror::Error)]
pub enum AlationError {
    /// The HTTP exchange failed (after retries) or Alation answered an error status.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// Authentication is impossible with what was configured.
    #[error("Alation authentication: {0}")]
    Auth(String),
    /// Alation lacks something the request needs (a connector, a linked data source).
    #[error("Alation: {0}")]
    Precondition(String),
    /// Alation answered something this client does not understand.
    #[error("{endpoint}: unexpected answer: {message}")]
    Protocol {
        /// `METHOD path` of the request.
        endpoint: String,
        /// What was wrong with the answer.
        message: String,
    },
    /// An asynchronous job ended in failure.
    #[error("{endpoint}: Alation job {job} failed: {message}")]
    Job {
        /// `METHOD path` of the request that started the job.
        endpoint: String,
        /// The job's id or name.
        job: String,
        /// The job's message and errors, as Alation reported them.
        message: String,
    },
    /// A job finished but reported errors for some of its objects (§6.4); the others
    /// were written.
    #[error("{endpoint}: Alation job {job} reported errors: {message}")]
    ObjectErrors {
        /// `METHOD path` of the request that started the job.
        endpoint: String,
        /// The job's id or name.
        job: String,
        /// The job's message and the errors, as Alation reported them.
        message: String,
    },
    /// A job did not finish in time.
    #[error("{endpoint}: Alation job {job} still running after {seconds} s")]
    JobTimeout {
        /// `METHOD path` of the request that started the job.
        endpoint: String,
        /// The job's id or name.
        job: String,
        /// How long it was polled.
        seconds: u64,
    },
}

impl AlationError {
    /// An answer that is not the expected JSON.
    pub(crate) fn decode(endpoint: &str, err: serde_json::Error) -> Self {
        AlationError::Protocol {
            endpoint: endpoint.to_string(),
            message: format!("invalid JSON: {err}"),
        }
    }
}
