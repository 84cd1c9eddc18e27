//! Declarative provisioning (`userdb apply FILE`): the users and groups a file
//! describes are made so, with only the differences written, in one
//! transaction.

pub mod file;
pub mod plan;
mod quick;
