//! The contracts step of a push: each published session's `[[contracts]]` the server does not
//! hold as they are goes up; a contract taken out of the manifest before anyone signed it is
//! withdrawn. A signed contract never changes: a changed file for one is refused here, with
//! what to do.

use proofroom_wire::contracts::{ContractList, ContractPushResult, ContractPushed, ContractState};
use proofroom_wire::paths;

use super::Pusher;
use crate::api;
use crate::library::Library;

impl Pusher<'_> {
    pub(super) async fn contracts(&mut self, library: &Library) {
        let published: Vec<_> = library.sessions.iter().filter(|s| s.publish).collect();
        let any = published.iter().any(|s| !s.contracts.listed.is_empty());
        let held: ContractList = match self.api.get(paths::CONTRACTS).await {
            Ok(list) => list,
            // A server without contracts (older) holds none; say nothing unless some are wanted.
            Err(f) if f.is_not_found() && !any => return,
            Err(f) => return self.fail("contracts", f),
        };
        for session in &published {
            for contract in &session.contracts.ready {
                let server = held
                    .contracts
                    .iter()
                    .find(|h| h.session_id == session.id && h.contract_id == contract.id);
                let source = contract.upsert.source_sha256();
                let unchanged = server.is_some_and(|h| {
                    h.source_sha256 == source && h.state != ContractState::Withdrawn
                });
                if unchanged {
                    continue;
                }
                if server.is_some_and(|h| h.state == ContractState::Signed) {
                    self.fail(
                        &contract.item,
                        format!(
                            "contract \"{}\" is signed and final, so its changed file was not \
                             sent; to send the changed text, give it a new id in session.toml",
                            contract.id
                        ),
                    );
                    continue;
                }
                if self.dry_run {
                    self.report.contracts += 1;
                    self.did(format!("would send {}", contract.item));
                    continue;
                }
                let path = api::contract_path(&session.id, &contract.id);
                match self.api.put::<_, ContractPushResult>(&path, &contract.upsert).await {
                    Ok(answer) => {
                        self.report.contracts += 1;
                        let did = match answer.result {
                            ContractPushed::Published => "published",
                            ContractPushed::Replaced => "replaced (nobody had signed it)",
                            ContractPushed::Unchanged => "pushed",
                        };
                        self.did(format!("{did} {}", contract.item));
                    }
                    Err(f) => self.fail(&contract.item, f),
                }
            }
        }
        for gone in held.contracts.iter().filter(|h| h.state == ContractState::Waiting) {
            let Some(session) = published.iter().find(|s| s.id == gone.session_id) else {
                continue;
            };
            if session.contracts.listed.contains(&gone.contract_id) {
                continue;
            }
            let item = format!("sessions/{}/session.toml", session.id);
            if self.dry_run {
                self.did(format!("would withdraw contract \"{}\" ({item})", gone.contract_id));
                continue;
            }
            match self.api.delete(&api::contract_path(&session.id, &gone.contract_id)).await {
                Ok(()) => {
                    self.report.contracts += 1;
                    self.did(format!(
                        "withdrew contract \"{}\": {item} no longer lists it",
                        gone.contract_id
                    ));
                }
                Err(f) if f.is_not_found() => {}
                Err(f) => self.fail(&item, f),
            }
        }
    }
}
