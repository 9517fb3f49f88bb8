using WgSupervisor.Domain.Probing;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using WgSupervisor.WireGuard;
using WgSupervisor.WireGuard.Processes;
using WgSupervisor.WireGuard.Sockets;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The adapter's two ways of reading WireGuard, on the same real wireguard-go lab: `wg show all dump` (what
/// kernel-module gateways use) and the UAPI sockets (no process per poll) must see the same interfaces and
/// peers, and neither may see the interfaces of another namespace. The socket prober answers through the tunnels.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class ObservationSourceTests
{
    [SkippableFact]
    public async Task Dump_and_uapi_read_the_same_interfaces_and_peers_and_only_those_of_the_namespace()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 2, PersistentKeepaliveSeconds: 1));
        try
        {
            var dump = new WireGuardAdapter(new ProcessRunner(), TimeProvider.System, ObservationSource.Dump);
            var uapi = new WireGuardAdapter(new ProcessRunner(), TimeProvider.System, ObservationSource.Uapi);
            using var prober = new SocketProber();
            foreach (var site in lab.Sites)
            {
                var probe = new ProbeSettings(ProbeKind.Icmp, site.TunnelAddress, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3);
                ProbeResult answer = ProbeResult.Failed("not sent");
                for (var attempt = 0; attempt < 10 && !answer.Succeeded; attempt++)
                    answer = await prober.ProbeAsync(lab.GatewayNamespace, probe, CancellationToken.None);
                Assert.True(answer.Succeeded, $"ICMP probe through {site.GatewayInterface}: {answer.Error}");
            }

            var byDump = await dump.ReadAsync(lab.GatewayNamespace, CancellationToken.None);
            var byUapi = await uapi.ReadAsync(lab.GatewayNamespace, CancellationToken.None);

            var expected = lab.Sites.Select(s => s.GatewayInterface).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, byDump.Interfaces.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(expected, byUapi.Interfaces.Keys.Order(StringComparer.Ordinal));
            foreach (var site in lab.Sites)
            {
                var fromDump = Assert.Single(byDump.Interfaces[site.GatewayInterface].Peers);
                var fromUapi = Assert.Single(byUapi.Interfaces[site.GatewayInterface].Peers);
                Assert.Equal(site.SitePublicKey, fromDump.PublicKey);
                Assert.Equal(fromDump.PublicKey, fromUapi.PublicKey);
                Assert.Equal(fromDump.Endpoint, fromUapi.Endpoint);
                Assert.Equal(fromDump.AllowedIps, fromUapi.AllowedIps);
                Assert.Equal(fromDump.PersistentKeepaliveSeconds, fromUapi.PersistentKeepaliveSeconds);
                // The dump has whole seconds, UAPI nanoseconds: the same handshake either way.
                Assert.NotNull(fromDump.LatestHandshake);
                Assert.True(Math.Abs((fromDump.LatestHandshake!.Value - fromUapi.LatestHandshake!.Value).TotalSeconds) < 2);
            }
            // A site's namespace holds only its own interface, though every UAPI socket is visible from everywhere.
            var siteView = await uapi.ReadAsync(lab.Sites[0].Namespace, CancellationToken.None);
            Assert.Equal([lab.Sites[0].SiteInterface], siteView.Interfaces.Keys);
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }
}
