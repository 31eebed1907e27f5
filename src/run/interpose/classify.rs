//! Reading what the real `oracle` CLI printed: failure class, tokens, cost, session id.
