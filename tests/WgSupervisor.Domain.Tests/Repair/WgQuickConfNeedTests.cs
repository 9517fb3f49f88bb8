using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Domain.Tests.Repair;

public sealed class WgQuickConfNeedTests
{
    private static readonly TunnelSettings Tunnel = new()
    {
        Name = "a", Interface = "wg0", PeerPublicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", WgQuickConfig = "/etc/wireguard/wg0.conf",
    };

    [Fact]
    public void The_default_ladder_reads_the_conf_for_every_rung()
    {
        var reason = WgQuickConfNeed.ReasonFor(Tunnel with { Ladder = RepairLadder.Default });

        Assert.Equal("reresolve-endpoint reads the peer's Endpoint from it (or set EndpointHost); reset-peer adds the peer back from it; " +
                     "restart-interface runs wg-quick with it (or set Repair:SystemdUnit)", reason);
    }

    [Fact]
    public void A_command_a_systemd_unit_and_a_configured_endpoint_host_read_no_conf()
    {
        var tunnel = Tunnel with
        {
            Ladder = [RepairRung.ReresolveEndpoint, RepairRung.RestartInterface, RepairRung.Command],
            Repair = RepairOptions.None with { EndpointHost = "site.example:51820", SystemdUnit = "wg-quick@wg0.service", Command = ["/bin/true"] },
        };

        Assert.Null(WgQuickConfNeed.ReasonFor(tunnel));
    }

    [Fact]
    public void A_standby_and_a_discovered_peer_read_the_conf_whatever_their_ladder()
    {
        var commandOnly = Tunnel with { Ladder = [RepairRung.Command], Repair = RepairOptions.None with { Command = ["/bin/true"] } };

        Assert.Equal("a standby brings the interface up from it", WgQuickConfNeed.ReasonFor(commandOnly with { Standby = "gw2" }));
        Assert.Equal("a discovered peer is kept while its conf declares it", WgQuickConfNeed.ReasonFor(commandOnly with { Discovered = true }));
    }
}
