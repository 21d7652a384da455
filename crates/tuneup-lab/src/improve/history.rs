//! A chain's ledger as recorded (`tuneup history`).

use tuneup_core::InputError;
use tuneup_store::{Step, Storage};

/// The steps of chain `chain` (default: the most recent chain), with its name; `None` when the
/// store has no chain yet.
pub fn history(
    store: &dyn Storage,
    chain: Option<&str>,
) -> anyhow::Result<Option<(String, Vec<Step>)>> {
    let chains = store.chains()?;
    let name = match chain {
        Some(c) => c.to_string(),
        None => match chains.last() {
            Some((c, _)) => c.clone(),
            None => return Ok(None),
        },
    };
    let steps = store.ledger(&name)?;
    if steps.is_empty() {
        let names: Vec<String> = chains.into_iter().map(|(c, _)| c).collect();
        return Err(InputError::new(format!(
            "no improve chain `{name}` in this store (it has {})",
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ))
        .into());
    }
    Ok(Some((name, steps)))
}
