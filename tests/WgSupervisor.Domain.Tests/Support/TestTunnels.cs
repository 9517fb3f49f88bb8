using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Domain.Tests.Support;

internal static class TestTunnels
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    public static TunnelSettings Settings(params RepairRung[] ladder) => new()
    {
        Name = "site-a",
        Interface = "wg0",
        PeerPublicKey = "xgAWmD3LEMTmHD8bUriayuYaNcmige3BMhqjGo0CfHs=",
        WgQuickConfig = "/etc/wireguard/wg0.conf",
        Site = "a",
        Ladder = ladder.Length == 0 ? [RepairRung.RestartInterface] : ladder,
    };
}
