using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using WgSupervisor.WireGuard;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Sockets;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The adapter's evidence and the lab's faults for diagnosis, for real: the endpoint name resolved inside the
/// gateway's namespace (and re-resolve that re-adds the peer after a site moved and restarted), the confirming probe
/// burst against real packet loss, and the lab's hub interface, lossy link and uplink outage on wireguard-go.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class EndpointResolutionTests
{
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(500);

    // ---- endpoint resolution ------------------------------------------------------------------------

    [SkippableFact]
    public async Task The_endpoint_name_resolves_inside_the_gateway_namespace_and_re_resolve_follows_a_site_that_moved_and_restarted()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 1, PersistentKeepaliveSeconds: 5, UseHostnames: true));
        try
        {
            var adapter = new WireGuardAdapter(new ProcessRunner(), TimeProvider.System);
            var site = lab.Sites[0];
            var tunnel = TunnelOf(lab, site);
            Assert.True(await EventuallyAsync(() => lab.PingAsync(site), 20), "the tunnel never carried a ping");

            var before = await adapter.ResolveEndpointAsync(tunnel, CancellationToken.None);
            Assert.Equal($"{site.Hostname}:51820", before.Configured);
            Assert.Equal([site.UnderlayAddress], before.Addresses);
            Assert.True(before.Includes(await CurrentEndpointAsync(adapter, lab, site)));
            // Only /etc/netns/GATEWAY/hosts knows the name: looked up from the host's namespace it does not resolve.
            Assert.False((await adapter.ResolveEndpointAsync(tunnel with { Namespace = null }, CancellationToken.None)).HasAnswer);

            var moved = await lab.MoveSiteAsync(site);
            await lab.SiteRestartAsync(moved);
            var after = await adapter.ResolveEndpointAsync(tunnel, CancellationToken.None);
            Assert.Equal([moved.UnderlayAddress], after.Addresses);
            Assert.NotEqual(site.UnderlayAddress, moved.UnderlayAddress);
            // WireGuard resolved the name once: it still sends to the old address, which the name no longer gives.
            Assert.False(after.Includes(await CurrentEndpointAsync(adapter, lab, site)));

            var repair = await adapter.RepairAsync(RepairRung.ReresolveEndpoint, tunnel, CancellationToken.None);
            Assert.True(repair.Succeeded, repair.Detail);
            Assert.Equal($"endpoint set again to {site.Hostname}:51820 and a fresh handshake started (peer re-added)", repair.Detail);
            Assert.True(after.Includes(await CurrentEndpointAsync(adapter, lab, site)));
            // A fresh handshake, not the old session the restarted site forgot: traffic passes at once, not after a rekey.
            Assert.True(await EventuallyAsync(() => lab.PingAsync(moved), 5), "no ping through the tunnel within 5 s of the re-resolve");
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    // ---- the confirming burst -----------------------------------------------------------------------

    [SkippableFact]
    public async Task An_echo_burst_is_answered_by_the_first_request_that_gets_through()
    {
        Prerequisites.RequireWireGuardLab();
        await using var scratch = await ScratchNamespace.CreateAsync("icmp");
        // The first three echo requests are lost, the fourth passes (numgen counts the packets this rule sees).
        await scratch.NftAsync("add", "rule", "inet", ScratchNamespace.Table, "out", "icmp", "type", "echo-request", "numgen", "inc", "mod", "4", "!=", "3", "drop");
        using var prober = new SocketProber();
        var probe = Icmp("127.0.0.1");

        var clock = Stopwatch.StartNew();
        var burst = await prober.ConfirmAsync(scratch.Name, probe, 6, Spacing, Wait, CancellationToken.None);
        var took = clock.Elapsed;
        var single = await prober.ProbeAsync(scratch.Name, probe, CancellationToken.None);

        Assert.True(burst.Succeeded, burst.Error);
        Assert.InRange(took, 3 * Spacing - TimeSpan.FromMilliseconds(30), 4 * Spacing + Wait);
        // The round trip is the answered request's own, not the burst's length: the fourth request left 3 spacings in.
        Assert.InRange(burst.RoundTrip, TimeSpan.FromTicks(1), took - 2 * Spacing);
        Assert.False(single.Succeeded, "the fifth request should have been dropped");
    }

    [SkippableFact]
    public async Task A_burst_to_a_silent_address_fails_its_wait_after_the_last_probe_icmp_and_tcp_alike()
    {
        Prerequisites.RequireWireGuardLab();
        await using var scratch = await ScratchNamespace.CreateAsync("silent");
        await scratch.AddSilentNeighboursAsync();
        using var prober = new SocketProber();

        // One silent address each: the kernel gives up on an unanswered neighbour after 3 s, then says "no route to host".
        foreach (var probe in new[] { Icmp("10.250.201.2"), Icmp("10.250.201.3") with { Kind = ProbeKind.Tcp, Port = 80 } })
        {
            var clock = Stopwatch.StartNew();
            var result = await prober.ConfirmAsync(scratch.Name, probe, 6, Spacing, Wait, CancellationToken.None);
            var took = clock.Elapsed;

            Assert.False(result.Succeeded, $"{probe}: a burst to nobody was answered");
            Assert.InRange(took, 5 * Spacing + Wait - TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2.5));
            Assert.Equal(probe.Kind == ProbeKind.Icmp
                    ? "no echo reply from 10.250.201.2 to 6 requests 100 ms apart within 500 ms of the last"
                    : "no TCP answer from 10.250.201.3:80 to 6 connects 100 ms apart within 500 ms of the last",
                result.Error);
        }
    }

    [SkippableFact]
    public async Task Staggered_connects_are_answered_by_the_first_syn_that_gets_through()
    {
        Prerequisites.RequireWireGuardLab();
        await using var scratch = await ScratchNamespace.CreateAsync("tcp");
        using var listener = NamespaceSockets.InNamespace(scratch.Name, () =>
        {
            var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return socket;
        });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        // The first two connects' SYNs are lost (their retransmits come a second later): the third connects.
        await scratch.NftAsync("add", "rule", "inet", ScratchNamespace.Table, "out", "tcp", "dport", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "numgen", "inc", "mod", "3", "!=", "2", "drop");
        using var prober = new SocketProber();

        var clock = Stopwatch.StartNew();
        var result = await prober.ConfirmAsync(scratch.Name, Icmp("127.0.0.1") with { Kind = ProbeKind.Tcp, Port = port }, 6, Spacing, Wait, CancellationToken.None);
        var took = clock.Elapsed;

        Assert.True(result.Succeeded, result.Error);
        Assert.InRange(took, 2 * Spacing - TimeSpan.FromMilliseconds(30), 3 * Spacing + Wait);
        // The third connect's own round trip (it started 2 spacings in), not the burst's length.
        Assert.InRange(result.RoundTrip, TimeSpan.FromTicks(1), took - Spacing);
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(accepted);
    }

    // ---- the lab's faults ---------------------------------------------------------------------------

    [SkippableFact]
    public async Task A_hub_carries_every_site_on_one_interface_and_an_uplink_outage_stops_them_all_until_it_clears()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 2, PersistentKeepaliveSeconds: 5, Hub: true));
        try
        {
            Assert.All(lab.Sites, site =>
            {
                Assert.Equal(lab.HubInterface, site.GatewayInterface);
                Assert.Equal(lab.Sites[0].GatewayConfPath, site.GatewayConfPath);
                Assert.Equal("10.251.0.1", site.GatewayTunnelAddress);
                Assert.Equal($"10.251.{site.Index}.2", site.TunnelAddress);
            });
            foreach (var site in lab.Sites) Assert.True(await EventuallyAsync(() => lab.PingAsync(site), 20), $"site {site.Index} never answered through the hub");
            var gateway = await new WireGuardAdapter(new ProcessRunner(), TimeProvider.System).ReadAsync(lab.GatewayNamespace, CancellationToken.None);
            var hub = Assert.Single(gateway.Interfaces).Value;
            Assert.Equal(lab.Sites.Select(s => s.SitePublicKey).Order(), hub.Peers.Select(p => p.PublicKey).Order());

            await lab.UplinkAsync(down: true);
            foreach (var site in lab.Sites) Assert.False(await lab.PingAsync(site), $"site {site.Index} answered through a dead uplink");

            await lab.UplinkAsync(down: false);
            foreach (var site in lab.Sites) Assert.True(await EventuallyAsync(() => lab.PingAsync(site), 15), $"site {site.Index} did not come back with the uplink");
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    [SkippableFact]
    public async Task A_10_percent_lossy_link_still_carries_most_pings_and_combines_with_a_blackhole()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 2, PersistentKeepaliveSeconds: 5, Hub: true));
        try
        {
            var lossy = lab.Sites[0];
            Assert.True(await EventuallyAsync(() => lab.PingAsync(lossy), 20), "the tunnel never carried a ping");

            await lab.LossyAsync(lossy, 10, on: true);
            var answered = 0;
            for (var ping = 0; ping < 50; ping++)
                if (await lab.PingAsync(lossy, waitSeconds: 0.5)) answered++;
            // 10 % each way loses about 19 % of pings: about 40 of 50 come back. Below 30 is a broken link (p < 1e-4);
            // all 50 would mean no loss at all (p = 3e-5).
            Assert.InRange(answered, 30, 49);

            // The loss has a table of its own: a blackhole on top, and its removal, leave it alone.
            await lab.BlackholeAsync(lossy, on: true);
            Assert.False(await lab.PingAsync(lossy), "the blackholed site answered");
            await lab.BlackholeAsync(lossy, on: false);
            Assert.True(await EventuallyAsync(() => lab.PingAsync(lossy), 10), "no ping after the blackhole ended");
            await lab.LossyAsync(lossy, 10, on: false);
            Assert.True(await lab.PingAsync(lab.Sites[1]), "the other site of the hub lost a ping it should not have");
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static TunnelSettings TunnelOf(WireGuardLab lab, LabSite site) => new()
    {
        Name = $"site{site.Index}",
        Interface = site.GatewayInterface,
        PeerPublicKey = site.SitePublicKey,
        Namespace = lab.GatewayNamespace,
        WgQuickConfig = site.GatewayConfPath,
        Ladder = [RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface],
    };

    private static async Task<string?> CurrentEndpointAsync(WireGuardAdapter adapter, WireGuardLab lab, LabSite site)
    {
        var snapshot = await adapter.ReadAsync(lab.GatewayNamespace, CancellationToken.None);
        return snapshot.Interfaces[site.GatewayInterface].Peers.Single(p => p.PublicKey == site.SitePublicKey).Endpoint;
    }

    private static ProbeSettings Icmp(string address) =>
        new(ProbeKind.Icmp, address, null, ProbeSettings.DefaultInterval, TimeSpan.FromMilliseconds(400), ProbeSettings.DefaultFailuresBeforeStale);

    /// <summary>Tries up to <paramref name="attempts"/> times (each attempt bounded by its own wait); true at the first success.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> attempt, int attempts)
    {
        for (var i = 0; i < attempts; i++)
            if (await attempt()) return true;
        return false;
    }

    /// <summary>A network namespace of the test's own with an nft table for its drop rules; deleted (rules and all) at the end.</summary>
    private sealed class ScratchNamespace : IAsyncDisposable
    {
        public const string Table = "wgsup_burst";

        private readonly LabCommands _commands = new(new ProcessRunner());

        private ScratchNamespace(string name) => Name = name;

        public string Name { get; }

        public static async Task<ScratchNamespace> CreateAsync(string purpose)
        {
            var scratch = new ScratchNamespace($"wgsup-{purpose}-{Environment.ProcessId}");
            await scratch._commands.RunAsync("ip", "netns", "add", scratch.Name);
            try
            {
                await scratch._commands.RunAsync("ip", "-n", scratch.Name, "link", "set", "lo", "up");
                await scratch.NftAsync("add", "table", "inet", Table);
                await scratch.NftAsync("add", "chain", "inet", Table, "out", "{ type filter hook output priority 0 ; }");
                return scratch;
            }
            catch
            {
                await scratch.DisposeAsync();
                throw;
            }
        }

        public Task NftAsync(params string[] arguments) => _commands.RunInAsync(Name, "nft", arguments);

        /// <summary>10.250.201.0/24 behind a veth with nobody at the far end: a SYN or echo request waits for an ARP answer that never comes.</summary>
        public async Task AddSilentNeighboursAsync()
        {
            await _commands.RunAsync("ip", "-n", Name, "link", "add", "p0", "type", "veth", "peer", "name", "p1");
            await _commands.RunAsync("ip", "-n", Name, "addr", "add", "10.250.201.1/24", "dev", "p0");
            await _commands.RunAsync("ip", "-n", Name, "link", "set", "p0", "up");
            await _commands.RunAsync("ip", "-n", Name, "link", "set", "p1", "up");
        }

        public async ValueTask DisposeAsync()
        {
            // Deleting the namespace takes its veth pair and its nft tables with it.
            await _commands.TryAsync(null, "ip", "netns", "delete", Name);
            Assert.False(File.Exists($"/var/run/netns/{Name}"), $"namespace {Name} is left");
        }
    }
}
