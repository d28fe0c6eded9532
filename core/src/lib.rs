//! `qualys-cs`: a client for the Qualys Container Security API (csapi).
pub mod models;
pub mod table;
