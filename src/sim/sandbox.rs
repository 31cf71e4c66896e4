//! A running pair of sandboxes: bound listeners, seeded or loaded state, request
//! counters and fault layers, the persister, and a graceful shutdown.

use std::net::SocketAddr;

use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::Layer;

use super::alation::{self, AlationState};
use super::credentials::{Credentials, random_openmetadata_jwt};
use super::faults::{FaultLayer, FaultLog, Flavor};
use super::openmetadata::{self, OmState};
use super::persist::{self, States};
use super::shared::Shared;
use super::stats::StatsLayer;
use super::{SandboxOptions, alation_options, seed_alation, seed_openmetadata};
use crate::error::Error;

/// Both sandboxes, serving on loopback until [`Sandbox::shutdown`].
///
/// Dropping it without `shutdown` leaves the servers running until the async runtime
/// ends, without a final save.
pub struct Sandbox {
    openmetadata_url: String,
    alation_url: String,
    credentials: Credentials,
    states: States,
    openmetadata_faults: FaultLog,
    alation_faults: FaultLog,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
    persister: Option<JoinHandle<Result<(), Error>>>,
}

impl Sandbox {
    /// Binds both listeners, seeds the state (or loads the persisted file when it
    /// exists), and serves both APIs behind the fault layer on tokio tasks.
    pub async fn start(options: SandboxOptions) -> Result<Sandbox, Error> {
        let openmetadata_listener = bind(options.openmetadata_addr, "OpenMetadata").await?;
        let alation_listener = bind(options.alation_addr, "Alation").await?;
        let openmetadata_addr = local_addr(&openmetadata_listener)?;
        let alation_addr = local_addr(&alation_listener)?;

        let (states, unsaved) = initial_states(&options).await?;
        if let (Some(path), true) = (&options.persist, unsaved) {
            persist::save_off_runtime(path, &states).await?;
        }
        let credentials = Credentials {
            openmetadata_jwt: states.openmetadata_jwt.clone(),
            alation: states.alation.read().credentials(),
        };

        let (stop, shutdown) = watch::channel(false);
        let openmetadata_layer = FaultLayer::new(options.faults.clone(), Flavor::OpenMetadata);
        let alation_layer = FaultLayer::new(options.faults.clone(), Flavor::Alation);
        let openmetadata_router =
            openmetadata::router(states.openmetadata.clone(), states.openmetadata_jwt.clone());
        let alation_router = alation::router(states.alation.clone(), alation_options(&options));
        // Before the servers, so that every change they make is after its start.
        let persister = options
            .persist
            .clone()
            .map(|path| tokio::spawn(persist::run(path, states.clone(), shutdown.clone())));
        let servers = vec![
            tokio::spawn(super::server::serve(
                openmetadata_listener,
                StatsLayer::new(Flavor::OpenMetadata)
                    .layer(openmetadata_layer.layer(openmetadata_router)),
                shutdown.clone(),
            )),
            tokio::spawn(super::server::serve(
                alation_listener,
                StatsLayer::new(Flavor::Alation).layer(alation_layer.layer(alation_router)),
                shutdown.clone(),
            )),
        ];
        Ok(Sandbox {
            openmetadata_url: format!("http://{openmetadata_addr}/api"),
            alation_url: format!("http://{alation_addr}"),
            credentials,
            states,
            openmetadata_faults: openmetadata_layer.log(),
            alation_faults: alation_layer.log(),
            stop,
            servers,
            persister,
        })
    }

    /// Base URL of the OpenMetadata API, ending in `/api` (as in `hostPort`).
    pub fn openmetadata_url(&self) -> &str {
        &self.openmetadata_url
    }

    /// Base URL of the Alation API (no trailing slash).
    pub fn alation_url(&self) -> &str {
        &self.alation_url
    }

    /// The credentials both sandboxes accept.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The OpenMetadata sandbox's live state.
    pub fn openmetadata_state(&self) -> &Shared<OmState> {
        &self.states.openmetadata
    }

    /// The Alation sandbox's live state.
    pub fn alation_state(&self) -> &Shared<AlationState> {
        &self.states.alation
    }

    /// The faults injected into OpenMetadata requests so far.
    pub fn openmetadata_faults(&self) -> &FaultLog {
        &self.openmetadata_faults
    }

    /// The faults injected into Alation requests so far.
    pub fn alation_faults(&self) -> &FaultLog {
        &self.alation_faults
    }

    /// Stops accepting connections, finishes requests in flight, and, when persisting,
    /// saves a last time; the outcome of that save is returned.
    pub async fn shutdown(self) -> Result<(), Error> {
        self.stop.send_replace(true);
        for server in self.servers {
            server
                .await
                .map_err(|err| Error::Service(format!("a sandbox server stopped: {err}")))?;
        }
        match self.persister {
            Some(persister) => persister.await.map_err(|err| {
                Error::Service(format!("saving the sandbox state stopped: {err}"))
            })?,
            None => Ok(()),
        }
    }
}

async fn bind(addr: SocketAddr, name: &str) -> Result<TcpListener, Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|err| Error::Service(format!("cannot serve the {name} sandbox on {addr}: {err}")))
}

fn local_addr(listener: &TcpListener) -> Result<SocketAddr, Error> {
    listener
        .local_addr()
        .map_err(|err| Error::Service(format!("cannot read a listener's address: {err}")))
}

/// The persisted states when the file exists, else newly seeded ones; `true` when they
/// differ from the file (new, or with another JWT).
/// Loading and seeding are heavy for a large catalog, so they run on the blocking pool.
async fn initial_states(options: &SandboxOptions) -> Result<(States, bool), Error> {
    let options = options.clone();
    tokio::task::spawn_blocking(move || {
        let loaded = match &options.persist {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let mut unsaved = loaded.is_none();
        let (jwt, openmetadata, alation) = match loaded {
            Some(p) => (p.openmetadata_jwt, p.openmetadata, p.alation),
            None => (
                random_openmetadata_jwt(),
                seed_openmetadata(&options.seed)?,
                seed_alation(&options),
            ),
        };
        let openmetadata_jwt = match &options.openmetadata_jwt {
            Some(given) => {
                let given = given.expose_secret().to_owned();
                unsaved |= given != jwt;
                given
            }
            None => jwt,
        };
        let states = States {
            openmetadata_jwt,
            openmetadata: Shared::new(openmetadata),
            alation: Shared::new(alation),
        };
        Ok((states, unsaved))
    })
    .await
    .map_err(|err| Error::Service(format!("preparing the sandbox state stopped: {err}")))?
}
