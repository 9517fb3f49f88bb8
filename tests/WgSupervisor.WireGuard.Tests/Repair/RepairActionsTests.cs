using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Repair;
using WgSupervisor.WireGuard.Tests.Support;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Repair;

/// <summary>
/// The rungs of the repair ladder as the commands they run, on a fake process runner: the exact argument
/// lists, time-outs, standard input and environment, and how failures and time-outs are reported.
/// </summary>
public sealed class RepairActionsTests : IDisposable
{
    private const string PrivateKey = "6s3s793bsDhvihBt9F3ccRiEBS363TwwKiyR16A1HxU=";
    private const string PresharedKey = "PovrbHYxbn+Jk75rzHfu3N5qiC2yD8JRybmaQ4UV97Y=";
    private const string PeerKey = "8yZX5jVtgLf8MFKUdf0LtPn8tvnO6YU3Y0knjUOSX0A=";
    private const string PeerWithoutPresharedKey = "eSxeQ4jY/hZ8qYchlE3KnPoUbluIBVHCirs7Y+n8Wg8=";

    private const string Conf = $"""
        [Interface]
        PrivateKey = {PrivateKey}
        Address = 10.251.0.1/24
        ListenPort = 51820

        [Peer]
        # site a, the one under repair
        PublicKey = {PeerKey}
        PresharedKey = {PresharedKey}
        AllowedIPs = 10.251.0.2/32, 10.251.1.0/24
        Endpoint = site-a.example.net:51820
        PersistentKeepalive = 25

        [Peer]
        PublicKey = {PeerWithoutPresharedKey}
        AllowedIPs = 10.251.0.3/32
        """;

    // Different for each kind of command, so that a test sees which one was used.
    private static readonly CommandTimeouts Timeouts = new(Read: TimeSpan.FromSeconds(3), WgQuick: TimeSpan.FromSeconds(33), WgSet: TimeSpan.FromSeconds(11));

    private readonly TempConf _conf = new(Conf);

    public void Dispose() => _conf.Dispose();

    private TunnelSettings Tunnel(string? networkNamespace = null, string peer = PeerKey, RepairOptions? repair = null, string? confPath = null) => new()
    {
        Name = "site-a",
        Interface = "wg0",
        PeerPublicKey = peer,
        Namespace = networkNamespace,
        WgQuickConfig = confPath ?? _conf.Path,
        Repair = repair ?? RepairOptions.None,
    };

    private static RepairOptions With(string? endpointHost = null, string? systemdUnit = null, IReadOnlyList<string>? command = null, TimeSpan? commandTimeout = null) =>
        RepairOptions.None with { EndpointHost = endpointHost, SystemdUnit = systemdUnit, Command = command, CommandTimeout = commandTimeout ?? RepairOptions.None.CommandTimeout };

    private static Task<RepairActionResult> Run(FakeProcessRunner runner, RepairRung rung, TunnelSettings tunnel) =>
        new RepairActions(runner, Timeouts).RunAsync(rung, tunnel, CancellationToken.None);

    /// <summary>What a failing wg-quick prints when it echoes the conf: the secrets must not reach a result.</summary>
    private static readonly string NoisyError = $"[#] wg setconf wg0 /dev/fd/63\nPrivateKey = {PrivateKey}\nPresharedKey = {PresharedKey}\nRTNETLINK answers: Operation not permitted";

    private static void AssertNoSecret(string detail)
    {
        Assert.DoesNotContain(PrivateKey, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(PresharedKey, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(PrivateKey[..16], detail, StringComparison.Ordinal);
        Assert.DoesNotContain(PresharedKey[..16], detail, StringComparison.Ordinal);
        Assert.Equal(WireGuardKey.Redact(detail), detail);
    }

    // ---- re-resolve ---------------------------------------------------------------------------------

    [Fact]
    public async Task Reresolve_of_a_declared_peer_re_adds_it_with_the_conf_endpoint_so_a_fresh_handshake_starts()
    {
        // A site that moved may also have restarted: setting the endpoint alone would keep offering the old session.
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel());

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("endpoint set again to site-a.example.net:51820 and a fresh handshake started (peer re-added)", result.Detail);
        Assert.Collection(runner.Runs,
            remove => Assert.Equal(["set", "wg0", "peer", PeerKey, "remove"], remove.Arguments),
            add =>
            {
                Assert.Equal("wg", add.Program);
                Assert.Equal(
                    ["set", "wg0", "peer", PeerKey, "preshared-key", "/dev/stdin", "allowed-ips", "10.251.0.2/32,10.251.1.0/24",
                     "endpoint", "site-a.example.net:51820", "persistent-keepalive", "25"],
                    add.Arguments);
                Assert.Equal(PresharedKey, add.StandardInput);
            });
        Assert.All(runner.Runs, run => Assert.Equal(Timeouts.WgSet, run.Timeout));
    }

    [Fact]
    public async Task Reresolve_of_a_declared_peer_prefers_the_configured_endpoint_host_and_runs_inside_the_tunnels_namespace()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel("ns1", repair: With(endpointHost: "[fd00::2]:51999")));

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("endpoint set again to [fd00::2]:51999 and a fresh handshake started (peer re-added)", result.Detail);
        Assert.Equal(2, runner.Runs.Count);
        Assert.All(runner.Runs, run => Assert.Equal("ip", run.Program));
        Assert.Equal(["netns", "exec", "ns1", "wg", "set", "wg0", "peer", PeerKey, "remove"], runner.Runs[0].Arguments);
        Assert.Equal(
            ["netns", "exec", "ns1", "wg", "set", "wg0", "peer", PeerKey, "preshared-key", "/dev/stdin", "allowed-ips", "10.251.0.2/32,10.251.1.0/24",
             "endpoint", "[fd00::2]:51999", "persistent-keepalive", "25"],
            runner.Runs[1].Arguments);
    }

    [Fact]
    public async Task Reresolve_of_a_declared_peer_whose_name_does_not_resolve_adds_it_back_without_endpoint_and_fails()
    {
        var runner = new FakeProcessRunner(run => run.Arguments.Contains("endpoint")
            ? FakeProcessRunner.Exited(1, "Name or service not known: `site-a.example.net:51820'")
            : FakeProcessRunner.Exited(0));

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel());

        Assert.False(result.Succeeded);
        Assert.Equal("adding the peer back failed (exit code 1: Name or service not known: `site-a.example.net:51820'); added back without its endpoint", result.Detail);
        Assert.Equal(3, runner.Runs.Count);
        Assert.DoesNotContain("endpoint", runner.Runs[2].Arguments);
    }

    [Fact]
    public async Task Reresolve_of_a_peer_no_conf_declares_only_sets_the_endpoint_again_with_an_argument_list()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel(confPath: _conf.Missing, repair: With(endpointHost: "site-a.example.net:51820")));

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("endpoint set again to site-a.example.net:51820", result.Detail);
        var run = Assert.Single(runner.Runs);
        Assert.Equal("wg", run.Program);
        Assert.Equal(["set", "wg0", "peer", PeerKey, "endpoint", "site-a.example.net:51820"], run.Arguments);
        Assert.Equal(Timeouts.WgSet, run.Timeout);
        Assert.Null(run.StandardInput);
    }

    [Fact]
    public async Task Reresolve_of_a_peer_the_conf_does_not_declare_sets_the_endpoint_inside_the_tunnels_namespace()
    {
        var runner = new FakeProcessRunner();
        var undeclared = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGw=";

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel("ns1", peer: undeclared, repair: With(endpointHost: "[fd00::2]:51999")));

        Assert.True(result.Succeeded, result.Detail);
        var run = Assert.Single(runner.Runs);
        Assert.Equal("ip", run.Program);
        Assert.Equal(["netns", "exec", "ns1", "wg", "set", "wg0", "peer", undeclared, "endpoint", "[fd00::2]:51999"], run.Arguments);
    }

    [Fact]
    public async Task Reresolve_without_any_endpoint_fails_without_running_anything()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel(peer: PeerWithoutPresharedKey));

        Assert.False(result.Succeeded);
        Assert.Equal($"no endpoint to re-resolve: set Repair EndpointHost or an Endpoint for this peer in {_conf.Path}", result.Detail);
        Assert.Empty(runner.Runs);
    }

    [Fact]
    public async Task A_failing_wg_set_is_a_failure_naming_the_exit_code_and_the_error_without_keys()
    {
        var runner = new FakeProcessRunner(_ => FakeProcessRunner.Exited(1, $"Name or service not known: `site-a.example.net:51820'\nkey {PrivateKey}\n"));

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel(confPath: _conf.Missing, repair: With(endpointHost: "site-a.example.net:51820")));

        Assert.False(result.Succeeded);
        Assert.StartsWith("wg set endpoint site-a.example.net:51820: exit code 1: Name or service not known", result.Detail, StringComparison.Ordinal);
        Assert.Contains("(key redacted)", result.Detail, StringComparison.Ordinal);
        AssertNoSecret(result.Detail);
    }

    [Fact]
    public async Task A_wg_set_that_times_out_is_a_failure_saying_so()
    {
        var runner = new FakeProcessRunner(_ => FakeProcessRunner.TimedOut(TimeSpan.FromSeconds(11)));

        var result = await Run(runner, RepairRung.ReresolveEndpoint, Tunnel(confPath: _conf.Missing, repair: With(endpointHost: "site-a.example.net:51820")));

        Assert.False(result.Succeeded);
        Assert.Equal("wg set endpoint site-a.example.net:51820: timed out after 11 s", result.Detail);
    }

    // ---- reset peer ---------------------------------------------------------------------------------

    [Fact]
    public async Task Reset_peer_removes_the_peer_then_adds_it_back_with_the_preshared_key_on_stdin_only()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.ResetPeer, Tunnel());

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("peer removed and added back from its conf", result.Detail);
        Assert.Collection(runner.Runs,
            remove =>
            {
                Assert.Equal("wg", remove.Program);
                Assert.Equal(["set", "wg0", "peer", PeerKey, "remove"], remove.Arguments);
                Assert.Null(remove.StandardInput);
                Assert.Equal(Timeouts.WgSet, remove.Timeout);
            },
            add =>
            {
                Assert.Equal("wg", add.Program);
                Assert.Equal(
                    ["set", "wg0", "peer", PeerKey, "preshared-key", "/dev/stdin", "allowed-ips", "10.251.0.2/32,10.251.1.0/24",
                     "endpoint", "site-a.example.net:51820", "persistent-keepalive", "25"],
                    add.Arguments);
                Assert.Equal(PresharedKey, add.StandardInput);
                Assert.Equal(Timeouts.WgSet, add.Timeout);
            });
        // The key goes through stdin only: never in an argument, never in the environment.
        foreach (var run in runner.Runs)
        {
            Assert.DoesNotContain(run.Arguments, argument => argument.Contains(PresharedKey[..16], StringComparison.Ordinal));
            Assert.DoesNotContain(run.Arguments, argument => argument.Contains(PrivateKey[..16], StringComparison.Ordinal));
            Assert.Null(run.Environment);
        }
    }

    [Fact]
    public async Task Reset_peer_of_a_peer_without_preshared_key_passes_no_stdin_and_no_preshared_key_argument()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.ResetPeer, Tunnel("ns1", peer: PeerWithoutPresharedKey));

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(2, runner.Runs.Count);
        Assert.Equal("ip netns exec ns1 wg set wg0 peer " + PeerWithoutPresharedKey + " remove", runner.Runs[0].CommandLine);
        Assert.Equal("ip netns exec ns1 wg set wg0 peer " + PeerWithoutPresharedKey + " allowed-ips 10.251.0.3/32", runner.Runs[1].CommandLine);
        Assert.All(runner.Runs, run => Assert.Null(run.StandardInput));
    }

    [Fact]
    public async Task Reset_peer_of_a_peer_the_conf_does_not_declare_fails_without_removing_it()
    {
        var runner = new FakeProcessRunner();
        var unknown = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGw=";

        var result = await Run(runner, RepairRung.ResetPeer, Tunnel(peer: unknown));
        var missingConf = await Run(runner, RepairRung.ResetPeer, Tunnel(confPath: _conf.Missing));

        Assert.False(result.Succeeded);
        Assert.Equal($"cannot reset the peer: {_conf.Path} does not declare it", result.Detail);
        Assert.False(missingConf.Succeeded);
        Assert.Equal($"cannot reset the peer: {_conf.Missing} does not declare it", missingConf.Detail);
        Assert.Empty(runner.Runs);
    }

    [Fact]
    public async Task Reset_peer_stops_when_the_remove_fails()
    {
        var runner = new FakeProcessRunner(_ => FakeProcessRunner.Exited(1, "Unable to modify interface: No such device"));

        var result = await Run(runner, RepairRung.ResetPeer, Tunnel());

        Assert.False(result.Succeeded);
        Assert.Equal("wg set peer remove: exit code 1: Unable to modify interface: No such device", result.Detail);
        Assert.Single(runner.Runs);
    }

    [Fact]
    public async Task When_adding_back_fails_the_peer_is_added_again_without_its_endpoint_and_the_rung_fails()
    {
        // The endpoint may not resolve right now: the peer must not stay removed because of that.
        var runner = new FakeProcessRunner(run => run.Arguments.Contains("endpoint")
            ? FakeProcessRunner.Exited(1, "Name or service not known: `site-a.example.net:51820'")
            : FakeProcessRunner.Exited(0));

        var result = await Run(runner, RepairRung.ResetPeer, Tunnel());

        Assert.False(result.Succeeded);
        Assert.Equal("adding the peer back failed (exit code 1: Name or service not known: `site-a.example.net:51820'); added back without its endpoint", result.Detail);
        Assert.Equal(3, runner.Runs.Count);
        var fallback = runner.Runs[2];
        Assert.Equal(
            ["set", "wg0", "peer", PeerKey, "preshared-key", "/dev/stdin", "allowed-ips", "10.251.0.2/32,10.251.1.0/24", "persistent-keepalive", "25"],
            fallback.Arguments);
        Assert.Equal(PresharedKey, fallback.StandardInput);
    }

    [Fact]
    public async Task When_the_fallback_fails_too_both_failures_are_reported_without_keys()
    {
        var runner = new FakeProcessRunner(run => run.Arguments.Contains("remove")
            ? FakeProcessRunner.Exited(0)
            : run.Arguments.Contains("endpoint") ? FakeProcessRunner.TimedOut(TimeSpan.FromSeconds(11)) : FakeProcessRunner.Exited(2, NoisyError));

        var result = await Run(runner, RepairRung.ResetPeer, Tunnel());

        Assert.False(result.Succeeded);
        Assert.StartsWith("adding the peer back failed (timed out after 11 s); without endpoint too: exit code 2: ", result.Detail, StringComparison.Ordinal);
        Assert.EndsWith("RTNETLINK answers: Operation not permitted", result.Detail, StringComparison.Ordinal);
        AssertNoSecret(result.Detail);
        Assert.Equal(3, runner.Runs.Count);
    }

    // ---- restart interface --------------------------------------------------------------------------

    [Fact]
    public async Task Restart_interface_with_a_systemd_unit_restarts_the_unit()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.RestartInterface, Tunnel(repair: With(systemdUnit: "wg-quick@wg0")));

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("systemctl restart wg-quick@wg0 ok", result.Detail);
        var run = Assert.Single(runner.Runs);
        Assert.Equal("systemctl", run.Program);
        Assert.Equal(["restart", "wg-quick@wg0"], run.Arguments);
        Assert.Equal(Timeouts.WgQuick, run.Timeout);
    }

    [Fact]
    public async Task A_failing_systemctl_restart_is_a_failure_without_keys()
    {
        var runner = new FakeProcessRunner(_ => FakeProcessRunner.Exited(1, NoisyError));

        var result = await Run(runner, RepairRung.RestartInterface, Tunnel(repair: With(systemdUnit: "wg-quick@wg0")));

        Assert.False(result.Succeeded);
        Assert.StartsWith("systemctl restart wg-quick@wg0: exit code 1: ", result.Detail, StringComparison.Ordinal);
        AssertNoSecret(result.Detail);
    }

    [Fact]
    public async Task Restart_interface_without_a_unit_runs_wg_quick_down_then_up_in_a_new_session()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, RepairRung.RestartInterface, Tunnel());

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("wg-quick down ok, up ok", result.Detail);
        Assert.Equal([$"wg-quick down {_conf.Path}", $"setsid wg-quick up {_conf.Path}"], runner.Runs.Select(r => r.CommandLine));
        Assert.All(runner.Runs, run => Assert.Equal(Timeouts.WgQuick, run.Timeout));
        Assert.All(runner.Runs, run => Assert.Null(run.StandardInput));
    }

    [Fact]
    public async Task Restart_interface_in_a_namespace_wraps_both_commands_in_ip_netns_exec()
    {
        var runner = new FakeProcessRunner();

        await Run(runner, RepairRung.RestartInterface, Tunnel("ns1"));

        Assert.Equal([$"ip netns exec ns1 wg-quick down {_conf.Path}", $"setsid ip netns exec ns1 wg-quick up {_conf.Path}"],
            runner.Runs.Select(r => r.CommandLine));
    }

    [Fact]
    public async Task A_failed_down_does_not_stop_the_up_which_decides_the_outcome()
    {
        // Down fails when the userspace process died and took the interface with it: up is the repair.
        var downFails = new FakeProcessRunner(run => run.Arguments.Contains("down")
            ? FakeProcessRunner.Exited(1, "wg-quick: `wg0' is not a WireGuard interface")
            : FakeProcessRunner.Exited(0));
        var upFails = new FakeProcessRunner(run => run.Arguments.Contains("up") ? FakeProcessRunner.Exited(1, NoisyError) : FakeProcessRunner.Exited(0));
        var upTimesOut = new FakeProcessRunner(run => run.Arguments.Contains("up") ? FakeProcessRunner.TimedOut(TimeSpan.FromSeconds(33)) : FakeProcessRunner.Exited(0));

        var recovered = await Run(downFails, RepairRung.RestartInterface, Tunnel());
        var failed = await Run(upFails, RepairRung.RestartInterface, Tunnel());
        var timedOut = await Run(upTimesOut, RepairRung.RestartInterface, Tunnel());

        Assert.True(recovered.Succeeded, recovered.Detail);
        Assert.Equal("wg-quick down failed (exit code 1: wg-quick: `wg0' is not a WireGuard interface), up ok", recovered.Detail);
        Assert.Equal(2, downFails.Runs.Count);
        Assert.False(failed.Succeeded);
        // wg-quick's "[#]" echo lines are left out; the secrets it may print are redacted.
        Assert.StartsWith("wg-quick down ok, up failed (exit code 1: ", failed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("[#]", failed.Detail, StringComparison.Ordinal);
        AssertNoSecret(failed.Detail);
        Assert.False(timedOut.Succeeded);
        Assert.Equal("wg-quick down ok, up failed (timed out after 33 s)", timedOut.Detail);
    }

    [Fact]
    public async Task Take_down_counts_an_interface_that_is_already_gone_as_done()
    {
        var gone = new FakeProcessRunner(_ => FakeProcessRunner.Exited(1, "wg-quick: `wg0' is not a WireGuard interface"));
        var broken = new FakeProcessRunner(_ => FakeProcessRunner.Exited(1, NoisyError));
        var actions = (FakeProcessRunner runner) => new RepairActions(runner, Timeouts);

        var alreadyDown = await actions(gone).TakeDownAsync(Tunnel("ns1"), CancellationToken.None);
        var failed = await actions(broken).TakeDownAsync(Tunnel("ns1"), CancellationToken.None);

        Assert.True(alreadyDown.Succeeded, alreadyDown.Detail);
        Assert.Equal($"ip netns exec ns1 wg-quick down {_conf.Path}", Assert.Single(gone.Runs).CommandLine);
        Assert.False(failed.Succeeded);
        Assert.StartsWith("wg-quick down: exit code 1: ", failed.Detail, StringComparison.Ordinal);
        AssertNoSecret(failed.Detail);
    }

    // ---- the operator's command ---------------------------------------------------------------------

    [Fact]
    public async Task The_command_rung_runs_the_program_with_its_arguments_time_out_and_the_tunnel_in_WGSUP_variables()
    {
        var runner = new FakeProcessRunner();
        var repair = With(command: ["/usr/local/sbin/fix-site", "--site", "a b", "$(reboot)"], commandTimeout: TimeSpan.FromSeconds(42));

        var result = await Run(runner, RepairRung.Command, Tunnel("ns1", repair: repair));

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("fix-site exited 0", result.Detail);
        var run = Assert.Single(runner.Runs);
        Assert.Equal("/usr/local/sbin/fix-site", run.Program);
        // Arguments are passed as they are, never through a shell (no splitting, no substitution).
        Assert.Equal(["--site", "a b", "$(reboot)"], run.Arguments);
        Assert.Equal(TimeSpan.FromSeconds(42), run.Timeout);
        Assert.Null(run.StandardInput);
        Assert.Equal(new Dictionary<string, string>
        {
            ["WGSUP_TUNNEL"] = "site-a",
            ["WGSUP_INTERFACE"] = "wg0",
            ["WGSUP_PEER_PUBLIC_KEY"] = PeerKey,
            ["WGSUP_NAMESPACE"] = "ns1",
            ["WGSUP_WG_QUICK_CONFIG"] = _conf.Path,
        }, run.Environment);
        Assert.DoesNotContain(run.Environment!.Values, value => value.Contains(PresharedKey, StringComparison.Ordinal) || value.Contains(PrivateKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_command_rung_outside_namespaces_passes_an_empty_WGSUP_NAMESPACE()
    {
        var runner = new FakeProcessRunner();

        await Run(runner, RepairRung.Command, Tunnel(repair: With(command: ["fix"])));

        var run = Assert.Single(runner.Runs);
        Assert.Equal("fix", run.Program);
        Assert.Empty(run.Arguments);
        Assert.Equal("", run.Environment!["WGSUP_NAMESPACE"]);
    }

    [Fact]
    public async Task The_command_rung_without_a_command_fails_without_running_anything()
    {
        var runner = new FakeProcessRunner();

        var none = await Run(runner, RepairRung.Command, Tunnel());
        var empty = await Run(runner, RepairRung.Command, Tunnel(repair: With(command: [])));

        Assert.Equal("no repair command is configured (Repair: Command)", none.Detail);
        Assert.False(none.Succeeded);
        Assert.Equal(none, empty);
        Assert.Empty(runner.Runs);
    }

    [Fact]
    public async Task A_failing_or_hanging_command_is_a_failure_naming_the_program_and_never_a_key()
    {
        var repair = With(command: ["/usr/local/sbin/fix-site"], commandTimeout: TimeSpan.FromSeconds(42));
        var failing = new FakeProcessRunner(_ => FakeProcessRunner.Exited(3, NoisyError));
        var hanging = new FakeProcessRunner(_ => FakeProcessRunner.TimedOut(TimeSpan.FromSeconds(42)));

        var failed = await Run(failing, RepairRung.Command, Tunnel(repair: repair));
        var timedOut = await Run(hanging, RepairRung.Command, Tunnel(repair: repair));

        Assert.False(failed.Succeeded);
        Assert.StartsWith("fix-site: exit code 3: ", failed.Detail, StringComparison.Ordinal);
        AssertNoSecret(failed.Detail);
        Assert.False(timedOut.Succeeded);
        Assert.Equal("fix-site: timed out after 42 s", timedOut.Detail);
    }

    [Fact]
    public async Task An_unknown_rung_fails_without_running_anything()
    {
        var runner = new FakeProcessRunner();

        var result = await Run(runner, (RepairRung)99, Tunnel());

        Assert.False(result.Succeeded);
        Assert.Equal("unknown rung 99", result.Detail);
        Assert.Empty(runner.Runs);
    }
}
