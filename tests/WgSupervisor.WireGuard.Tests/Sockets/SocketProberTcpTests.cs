using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WgSupervisor.Domain.Probing;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Sockets;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Sockets;

/// <summary>
/// The TCP probe for real, on real sockets: listeners on 127.0.0.1, and for the target that never answers
/// a network namespace of the test's own (a veth pair, nobody behind the far address), removed at the end.
/// </summary>
public sealed class SocketProberTcpTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(400);
    private readonly SocketProber _prober = new();

    public void Dispose() => _prober.Dispose();

    private static ProbeSettings Tcp(string address, int port) =>
        new(ProbeKind.Tcp, address, port, ProbeSettings.DefaultInterval, Timeout, ProbeSettings.DefaultFailuresBeforeStale);

    // The round trip is measured, and inside the call that measured it. No tighter bound: on a loaded CI machine
    // a continuation can run hundreds of milliseconds late (this bound was the burst's 500-ms wait once, and CI failed on it).
    private static void AssertMeasuredWithin(ProbeResult result, TimeSpan call) =>
        Assert.InRange(result.RoundTrip, TimeSpan.FromTicks(1), call);

    [Fact]
    public async Task An_open_port_answers_and_the_connection_reaches_the_listener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var clock = Stopwatch.StartNew();
        var result = await _prober.ProbeAsync(null, Tcp("127.0.0.1", port), CancellationToken.None);
        var took = clock.Elapsed;

        Assert.True(result.Succeeded, result.Error);
        Assert.Null(result.Error);
        AssertMeasuredWithin(result, took);
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address);
    }

    [Fact]
    public async Task A_refused_port_counts_as_an_answer_because_packets_crossed_both_ways()
    {
        // Bound but not listening: the port stays ours for the test and the kernel answers with a reset.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;

        var clock = Stopwatch.StartNew();
        var result = await _prober.ProbeAsync(null, Tcp("127.0.0.1", port), CancellationToken.None);
        var took = clock.Elapsed;

        Assert.True(result.Succeeded, result.Error);
        AssertMeasuredWithin(result, took);
        // The refusal really happened: a plain connect to the same port is refused.
        using var check = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => check.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task An_address_that_is_not_an_ip_address_fails_without_a_connect()
    {
        var result = await _prober.ProbeAsync(null, Tcp("gw.example.net", 80), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("'gw.example.net' is not an IP address", result.Error);
    }

    [Fact]
    public async Task A_namespace_that_does_not_exist_is_a_failure_naming_it_not_an_exception()
    {
        var result = await _prober.ProbeAsync("wgsup-no-such-namespace", Tcp("127.0.0.1", 9), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("network namespace wgsup-no-such-namespace does not exist", result.Error);
    }

    // ---- the confirming burst ----------------------------------------------------------------------------

    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task A_burst_to_an_open_port_is_answered_by_its_first_connect()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var clock = Stopwatch.StartNew();
        var result = await _prober.ConfirmAsync(null, Tcp("127.0.0.1", port), 6, Spacing, Wait, CancellationToken.None);
        var took = clock.Elapsed;

        Assert.True(result.Succeeded, result.Error);
        AssertMeasuredWithin(result, took);
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address);
    }

    [Fact]
    public async Task A_burst_to_a_refused_port_is_answered_too()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;

        var result = await _prober.ConfirmAsync(null, Tcp("127.0.0.1", port), 6, Spacing, Wait, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
    }

    [Fact]
    public async Task A_burst_with_nothing_to_probe_fails_saying_why_without_a_connect()
    {
        var notAnAddress = await _prober.ConfirmAsync(null, Tcp("gw.example.net", 80), 6, Spacing, Wait, CancellationToken.None);
        var noProbes = await _prober.ConfirmAsync(null, Tcp("127.0.0.1", 9), 0, Spacing, Wait, CancellationToken.None);
        var noNamespace = await _prober.ConfirmAsync("wgsup-no-such-namespace", Tcp("127.0.0.1", 9), 6, Spacing, Wait, CancellationToken.None);

        Assert.Equal("'gw.example.net' is not an IP address", notAnAddress.Error);
        Assert.Equal("no probe sent", noProbes.Error);
        Assert.False(noNamespace.Succeeded);
        Assert.Equal("network namespace wgsup-no-such-namespace does not exist", noNamespace.Error);
    }

    [SkippableFact]
    public async Task A_target_that_never_answers_times_out_and_the_probe_runs_inside_its_namespace()
    {
        RequireRoot();
        var runner = new ProcessRunner();
        var name = $"wgsup-wgt-{Environment.ProcessId}";
        try
        {
            await MustAsync(runner, "ip", "netns", "add", name);
            // Nobody owns 10.250.200.2 behind the veth: the SYN waits for an ARP answer that never comes.
            await MustAsync(runner, "ip", "-n", name, "link", "add", "p0", "type", "veth", "peer", "name", "p1");
            await MustAsync(runner, "ip", "-n", name, "addr", "add", "10.250.200.1/24", "dev", "p0");
            await MustAsync(runner, "ip", "-n", name, "link", "set", "p0", "up");
            await MustAsync(runner, "ip", "-n", name, "link", "set", "p1", "up");
            await MustAsync(runner, "ip", "-n", name, "link", "set", "lo", "up");

            var clock = Stopwatch.StartNew();
            var silent = await _prober.ProbeAsync(name, Tcp("10.250.200.2", 80), CancellationToken.None);
            var waited = clock.Elapsed;

            Assert.False(silent.Succeeded);
            Assert.Equal("no TCP answer from 10.250.200.2:80 within 400 ms", silent.Error);
            // The probe's own time-out ended it, not the kernel's (an unanswered ARP gives up after ~3 s).
            Assert.InRange(waited, Timeout - TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2.5));

            // A listener of the host's 127.0.0.1 is not seen from inside the namespace: there, the port is refused.
            using var hostListener = new TcpListener(IPAddress.Loopback, 0);
            hostListener.Start();
            var port = ((IPEndPoint)hostListener.LocalEndpoint).Port;
            var inside = await _prober.ProbeAsync(name, Tcp("127.0.0.1", port), CancellationToken.None);
            Assert.True(inside.Succeeded, inside.Error);
            Assert.False(hostListener.Pending(), "the probe in the namespace reached the host's listener");

            // The caller's own cancellation is not a probe failure: it ends the probe.
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                _prober.ProbeAsync(name, Tcp("10.250.200.2", 80) with { Timeout = TimeSpan.FromSeconds(5) }, cancel.Token));
        }
        finally
        {
            // Deleting the namespace removes the veth pair with it.
            await runner.RunAsync("ip", ["netns", "delete", name], TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        var left = await runner.RunAsync("ip", ["netns", "list"], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.DoesNotContain(name, left.StandardOutput, StringComparison.Ordinal);
    }

    private static void RequireRoot()
    {
        if (Environment.UserName == "root") return;
        const string missing = "a network namespace of the test's own needs root";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
    }

    private static async Task MustAsync(ProcessRunner runner, string program, params string[] arguments)
    {
        var result = await runner.RunAsync(program, arguments, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.True(result.Succeeded, $"{program} {string.Join(' ', arguments)}: {ProcessReport.Describe(result)}");
    }
}
