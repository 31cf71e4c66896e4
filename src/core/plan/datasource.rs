//! Which data source an address belongs to: the `[service, database]` prefix of its
//! path. The engine, the plan summary, the policy and the plan file all group by it, so
//! it lives apart from each of them and none of them imports another for it.

use crate::core::objects::{Address, ObjectKind};

/// The data source address (`[service, database]`) an object belongs to.
pub fn datasource_of(address: &Address) -> Option<Address> {
    (address.path.len() >= 2).then(|| Address {
        kind: ObjectKind::Datasource,
        path: address.path[..2].to_vec(),
    })
}

/// The `[service, database]` prefix of `address`'s path, without allocating: what
/// [`datasource_of`] gives as an address.
pub fn datasource_path(address: &Address) -> Option<&[String]> {
    address.path.get(..2)
}

/// Whether `address` belongs to the data source at `datasource` (as [`datasource_of`]
/// would say, without allocating).
pub fn belongs_to(address: &Address, datasource: &Address) -> bool {
    datasource.kind == ObjectKind::Datasource
        && datasource_path(address) == Some(datasource.path.as_slice())
}
