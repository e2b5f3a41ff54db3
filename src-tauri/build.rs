// The config lives at the top level (the design card's layout); app commands are declared
// here so each must be granted explicitly in capabilities/ (least privilege).
const COMMANDS: &[&str] = &[
    "get_overview",
    "add_folder_dialog",
    "remove_folder",
    "list_tracks",
    "list_failures",
    "start_scan",
    "cancel_scan",
    "create_demo_library",
    "get_track",
    "tag_vocabulary",
    "pause_analysis",
    "resume_analysis",
    "similar_tracks",
    "make_playlist",
    "swap_playlist_track",
    "save_playlist",
    "list_playlists",
    "get_playlist",
    "rename_playlist",
    "set_playlist_tracks",
    "delete_playlist",
    "export_playlist",
    "play_preview",
    "control_preview",
    "preview_state",
    "list_output_devices",
    "set_output_device",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("failed to run tauri-build");
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
}
