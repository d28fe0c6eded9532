//! The `qualys-cs` binary: the command line of [`qualys_cs_cli::run`].

fn main() {
    std::process::exit(qualys_cs_cli::run(std::env::args_os()));
}
