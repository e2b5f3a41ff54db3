//! The player on a virtual device: losing the device, getting it back, letting it go.

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
    tone_on_virtual_device_releasing(dir, Release::default())
}

/// [`tone_on_virtual_device`], letting the device go when quiet as `release` says.
fn tone_on_virtual_device_releasing(
    dir: &Path,
    release: Release,
) -> (Player, Arc<DeviceProbe>, PathBuf) {
    let path = dir.join("tone.wav");
    let rate = 44_100u32;
    let samples: Vec<f32> = (0..rate * 20)
        .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / rate as f32).sin())
        .collect();
    crate::audio::encode::write_wav(&path, rate, &samples).expect("wav");
    let probe = Arc::new(DeviceProbe::default());
    let player = Player::with_release(
        Output::Virtual(VirtualDevice {
            rate: 48_000,
            channels: 2,
            period_frames: 480,
            probe: Arc::clone(&probe),
        }),
        release,
    )
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

/// Waits (up to 10 s) until `ok` holds of the device.
fn wait_device(probe: &DeviceProbe, what: &str, ok: impl Fn(&DeviceProbe) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !ok(probe) {
        assert!(std::time::Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn close_lets_the_device_go_and_the_next_preview_opens_it_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (player, probe, path) = tone_on_virtual_device(dir.path());
    assert!(probe.is_open(), "the player opens its device");
    player.play(&path, 0.0, None).expect("play");
    wait_for(&player, "never played", |s| {
        s.status == PlayerStatus::Playing && s.position_s > 0.3
    });

    player.close().expect("close");
    // Released by the time close returns.
    assert!(!probe.is_open(), "the device is still open after close");
    let closed = player.state();
    assert_eq!(closed.status, PlayerStatus::Idle, "{closed:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!probe.is_open(), "something opened the device again");
    assert_eq!(probe.times_opened(), 1);

    probe.arm();
    player.play(&path, 5.0, None).expect("play again");
    let again = wait_for(&player, "did not play again", |s| {
        s.status == PlayerStatus::Playing && s.position_s > 5.2
    });
    assert_eq!(again.device, closed.device, "the same device");
    assert!(probe.is_open());
    assert_eq!(probe.times_opened(), 2);
    wait_device(&probe, "no sound after reopening", |p| {
        p.first_sound().is_some()
    });
    // Closing twice, or a player that plays nothing, is fine.
    player.close().expect("close");
    player.close().expect("close again");
    assert!(!probe.is_open());
}

#[test]
fn a_quiet_player_lets_the_device_go_and_a_resume_goes_on_where_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let release = Release {
        idle: Duration::from_millis(300),
        paused: Duration::from_millis(800),
    };
    let (player, probe, path) = tone_on_virtual_device_releasing(dir.path(), release);
    // Nothing played: the device goes after the idle time.
    wait_device(&probe, "an idle player kept its device", |p| !p.is_open());

    // A short preview plays to its end; then the device goes.
    player.play(&path, 0.0, Some(0.4)).expect("play");
    wait_for(&player, "never finished", |s| {
        s.status == PlayerStatus::Finished
    });
    assert_eq!(probe.times_opened(), 2);
    wait_device(&probe, "a finished player kept its device", |p| {
        !p.is_open()
    });

    // Paused longer than `release.paused`: the device goes, the state stays paused.
    player.play(&path, 3.0, None).expect("play");
    wait_for(&player, "never played", |s| {
        s.status == PlayerStatus::Playing && s.position_s > 3.5
    });
    player.pause().expect("pause");
    let paused = wait_for(&player, "never paused", |s| {
        s.status == PlayerStatus::Paused
    });
    assert!(probe.is_open(), "a short pause keeps the device");
    wait_device(&probe, "a paused player kept its device", |p| !p.is_open());
    let held = player.state();
    assert_eq!(held.status, PlayerStatus::Paused, "{held:?}");
    assert!(
        (held.position_s - paused.position_s).abs() < 0.05,
        "{held:?}"
    );

    // Resume opens it again and goes on from where it was paused.
    probe.arm();
    player.resume().expect("resume");
    let resumed = wait_for(&player, "never resumed", |s| {
        s.status == PlayerStatus::Playing && s.position_s > held.position_s + 0.1
    });
    assert!(
        resumed.from_s >= held.position_s - 0.05 && resumed.from_s < held.position_s + 0.5,
        "resumed at {} after pausing at {}",
        resumed.from_s,
        held.position_s
    );
    assert!(probe.is_open());
    wait_device(&probe, "no sound after resuming", |p| {
        p.first_sound().is_some()
    });
    player.stop().expect("stop");
}
