//! The `unmask` binary: parse arguments, then run a subcommand or open the desktop app.

use clap::Parser;

/// Keep freed tensor buffers in the heap instead of returning them to the OS after every op: candle
/// allocates and frees megabytes per operation, and glibc's defaults turn each into mmap/munmap
/// and page faults. Measured: the smoke training preset 53.6 s → 38.7 s on 2 cores.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only adjusts glibc's allocator thresholds; it is called once, first thing
    // in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TOP_PAD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

/// Fix the thread count candle uses once, at start-up. Unset, candle asks `num_cpus` for the
/// physical core count before every matmul, which on Linux re-reads `/proc/cpuinfo` each time:
/// `perf` put 5 % of the embedded model's run in the kernel formatting that file, and the forward
/// pass at 64 tokens went 11.0 → 7.0 ms with the count set (`unmask bench`, 2 cores). The value is
/// the one candle would pick (physical cores); an explicit `RAYON_NUM_THREADS` is respected.
fn pin_thread_count() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let cores = num_cpus::get_physical().max(1);
        // SAFETY: called first thing in main, before any other thread exists, so nothing reads
        // the environment concurrently.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", cores.to_string()) };
    }
}

fn main() {
    pin_thread_count();
    tune_allocator();
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
    let model = gui
        .gui_model
        .as_deref()
        .map(unmask::hub::ModelRef::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    let options = unmask::ui::AppOptions {
        load_model: !gui.no_model && (demo.is_none() || gui.gui_model.is_some()),
        model,
        traces: gui.gui_traces,
        persist: demo.is_none(),
        demo,
        cjk_font_candidates: None,
        file_dialog: None,
        files_dir: None,
    };
    unmask::ui::run_app(options)
}
