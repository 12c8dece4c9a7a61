//! Sales: stock released in waves, sold first come first served or by a provably fair draw,
//! F-codes that give a fan a unit of their own.

pub mod draws;
pub mod fcodes;
pub mod my_orders;
pub mod reminders;
pub mod waves;
