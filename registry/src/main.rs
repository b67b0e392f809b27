//! The `rongtong` command: see `rongtong --help`.

fn main() -> std::process::ExitCode {
    rongtong_registry::cli::main()
}
