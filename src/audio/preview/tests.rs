//! The player on a virtual device: losing the device, getting it back.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::*;

/// Waits (up to 10 s) for a state that `ok` accepts; fails the test with `what` and the
/// last state seen otherwise.
fn wait_for(player: &Player, what: &str, ok: impl Fn(&PlayerState) -> bool) -> PlayerState {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let seen = player.state();
        if ok(&seen) {
            return seen;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: {seen:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A 20 s 440 Hz tone in `dir`, and a player on a virtual 48 kHz stereo device.
fn tone_on_virtual_device(dir: &Path) -> (Player, Arc<DeviceProbe>, PathBuf) {
    let path = dir.join("tone.wav");
    let rate = 44_100u32;
    let samples: Vec<f32> = (0..rate * 20)
        .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / rate as f32).sin())
        .collect();
    crate::audio::encode::write_wav(&path, rate, &samples).expect("wav");
    let probe = Arc::new(DeviceProbe::default());
    let player = Player::with_output(Output::Virtual(VirtualDevice {
        rate: 48_000,
        channels: 2,
        period_frames: 480,
        probe: Arc::clone(&probe),
    }))
    .expect("player");
    (player, probe, path)
}

#[test]
fn an_unplugged_device_is_an_error_then_playback_goes_on_where_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (player, probe, path) = tone_on_virtual_device(dir.path());
    player.play(&path, 2.0, None).expect("play");
    let playing = wait_for(&player, "never played", |s| {
        s.status == PlayerStatus::Playing && s.position_s > 2.5
    });
    assert!(playing.error.is_none(), "{playing:?}");

    probe.unplug();
    let lost = wait_for(&player, "the lost device was not reported", |s| {
        s.status == PlayerStatus::Error
    });
    let message = lost.error.clone().unwrap_or_default();
    assert!(message.starts_with("sound device lost"), "{message}");
    assert_eq!(
        lost.path.as_deref(),
        playing.path.as_deref(),
        "the track is kept"
    );
    // Still lost a while later: retries fail quietly, no panic, no busy loop of errors.
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(player.state().status, PlayerStatus::Error);

    probe.arm();
    probe.plug_in();
    let back = wait_for(&player, "did not come back", |s| {
        s.status == PlayerStatus::Playing && s.error.is_none()
    });
    // It goes on from about where it stopped, not from the start of the preview.
    assert!(
        back.position_s >= playing.position_s - 0.05 && back.position_s < 12.0,
        "resumed at {} after {}",
        back.position_s,
        playing.position_s
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while probe.first_sound().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        probe.first_sound().is_some(),
        "no sound after the device came back"
    );
    player.stop().expect("stop");
}

#[test]
fn stop_while_the_device_is_lost_is_kept_when_it_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (player, probe, path) = tone_on_virtual_device(dir.path());
    player.play(&path, 0.0, None).expect("play");
    wait_for(&player, "never played", |s| {
        s.status == PlayerStatus::Playing && s.position_s > 0.3
    });
    probe.unplug();
    wait_for(&player, "the lost device was not reported", |s| {
        s.status == PlayerStatus::Error
    });
    player.stop().expect("stop");
    std::thread::sleep(Duration::from_millis(300));
    probe.arm();
    probe.plug_in();
    // The device is back (the error clears) and nothing plays: the stop was not lost.
    let back = wait_for(&player, "the device did not come back", |s| {
        s.error.is_none()
    });
    std::thread::sleep(Duration::from_millis(700));
    let now = player.state();
    assert_ne!(now.status, PlayerStatus::Playing, "{back:?} then {now:?}");
    assert!(probe.first_sound().is_none(), "sound after stop");
}
