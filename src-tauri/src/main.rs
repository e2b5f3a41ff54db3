//! Segue's desktop shell: thin Tauri commands over the engine's `Library`, which does all the
//! sequencing; the shell translates requests, events and errors, opens native dialogs, and
//! lets the webview read files inside the library folders.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bindings;
mod commands;
mod dialogs;
mod events;

use std::path::PathBuf;
use std::sync::Arc;

use segue::Library;

// A plain message (and a message box) on a CPU this build cannot run on, not a crash.
segue::refuse_unsupported_cpu_before_main!("segue-app", graphical: true);

/// `--data-dir DIR` on the command line, else `SEGUE_DATA_DIR`, else the platform data dir.
fn data_dir_from_args() -> PathBuf {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            if let Some(dir) = args.next() {
                return PathBuf::from(dir);
            }
        } else if let Some(dir) = arg.to_str().and_then(|a| a.strip_prefix("--data-dir=")) {
            return PathBuf::from(dir);
        }
    }
    segue::paths::default_data_dir()
}

/// Opens the library, starts its background jobs and connects what it reports to events.
fn open_library(
    app: &tauri::AppHandle,
    data_dir: &std::path::Path,
) -> anyhow::Result<Arc<Library>> {
    let started = std::time::Instant::now();
    let library = tauri::async_runtime::block_on(Library::open(data_dir))?;
    let opened = started.elapsed();
    let handle = app.clone();
    let runner = tauri::async_runtime::block_on(async {
        library
            .start_jobs(Arc::new(move |event| events::job_event(&handle, event)))
            .await
    })?;
    // The window waits for both: a start-up figure worth seeing in the log.
    tracing::info!(
        "library opened in {} ms, its jobs started in {} ms",
        opened.as_millis(),
        (started.elapsed() - opened).as_millis()
    );
    tauri::async_runtime::spawn(runner);
    for folder in tauri::async_runtime::block_on(library.folders())? {
        events::allow_assets(app, &folder);
    }
    let handle = app.clone();
    library.on_index_built(move || events::index_updated(&handle));
    let handle = app.clone();
    library.on_preview_state(move |state| events::preview_state(&handle, state));
    let handle = app.clone();
    library.on_map_event(move |event| events::map_event(&handle, event));
    // Load and check the similarity index now, not on the first click.
    let warm = library.clone();
    tauri::async_runtime::spawn(async move { warm.sync_index().await });
    Ok(library)
}

/// How long the window may stay hidden waiting for its page to load.
const SHOW_WINDOW_AT_LATEST: std::time::Duration = std::time::Duration::from_secs(5);

fn show_window<R: tauri::Runtime>(window: &tauri::Window<R>) {
    if !window.is_visible().unwrap_or(false) {
        if let Err(e) = window.show() {
            tracing::warn!("showing the window: {e}");
        }
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEGUE_LOG")
                .unwrap_or_else(|_| format!("info,{}", segue::QUIET_DECODERS).into()),
        )
        .init();
    segue::panics::quiet_decoder_panics();
    let data_dir = data_dir_from_args();
    let contract = bindings::builder();
    let invoke_handler = contract.invoke_handler();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(invoke_handler)
        // The window is made hidden (tauri.conf.json) and shown once its page has loaded:
        // GTK's first draw of a webview waits for the page's first frame, and the page is
        // served by the same main thread — shown early, a start could stall there ~0.5 s.
        .on_page_load(|webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                show_window(&webview.window());
            }
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(drag) = event {
                events::drag_drop(tauri::Manager::app_handle(window), drag);
            }
        })
        .setup(move |app| {
            contract.mount_events(app);
            // Shown anyway if the page never says it loaded.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(SHOW_WINDOW_AT_LATEST).await;
                if let Some(window) = tauri::Manager::get_webview_window(&handle, "main") {
                    let window = window.as_ref().window();
                    show_window(&window);
                }
            });
            match open_library(app.handle(), &data_dir) {
                Ok(library) => {
                    tauri::Manager::manage(app, library);
                    tauri::Manager::manage(app, commands::radio::RadioDesk::default());
                    tauri::Manager::manage(app, commands::outside::OutsideDesk::default());
                }
                Err(why) => dialogs::cannot_start(app.handle(), &why),
            }
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"))?
        .run(|app, event| {
            // On the way out: pending backups made, the WAL checkpointed into the file, the
            // file noted as left (so the next start need not read all of it to check it).
            if let tauri::RunEvent::Exit = event {
                if let Some(library) = tauri::Manager::try_state::<Arc<Library>>(app) {
                    tauri::async_runtime::block_on(library.close());
                }
            }
        });
    Ok(())
}
