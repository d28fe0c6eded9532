//! `qualys-cs`: a client for the Qualys Container Security API (csapi).
pub mod table;
