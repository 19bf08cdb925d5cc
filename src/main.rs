//! The `unmask` binary: parse arguments, then run a subcommand or open the desktop app.

use clap::Parser;

fn main() {
    let cli = unmask::cli::Cli::parse();
    match unmask::cli::run(cli) {
        Ok(false) => {}
        Ok(true) => {
            eprintln!("the desktop app is not built yet: use `unmask generate --help`");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
