//! The `unmask` binary: parse arguments, then run a subcommand or open the desktop app.

use clap::Parser;

fn main() {
    let cli = unmask::cli::Cli::parse();
    let gui = cli.gui.clone();
    match unmask::cli::run(cli) {
        Ok(false) => {}
        Ok(true) => {
            if let Err(e) = open_app(gui) {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

/// Turn the GUI flags into app options and open the window.
fn open_app(gui: unmask::cli::GuiArgs) -> Result<(), String> {
    let demo = gui
        .demo_screenshot
        .as_deref()
        .map(str::parse::<unmask::ui::DemoScene>)
        .transpose()?;
    let options = unmask::ui::AppOptions {
        load_model: !gui.no_model && (demo.is_none() || gui.gui_model.is_some()),
        model: gui.gui_model,
        traces: gui.gui_traces,
        persist: demo.is_none(),
        demo,
        cjk_font_candidates: None,
    };
    unmask::ui::run_app(options)
}
