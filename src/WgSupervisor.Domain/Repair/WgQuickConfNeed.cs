using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Domain.Repair;

/// <summary>
/// Whether anything that will run for a tunnel reads its wg-quick conf. A tunnel repaired only by the operator's
/// command, by a systemd unit, or by re-resolving a configured EndpointHost needs none, so none is required of it.
/// </summary>
public static class WgQuickConfNeed
{
    /// <returns>What reads the conf, for an error or warning ("reset-peer adds the peer back from it"); null: nothing does.</returns>
    public static string? ReasonFor(TunnelSettings tunnel)
    {
        var users = new List<string>();
        if (tunnel.PartnerNode is not null) users.Add("a standby brings the interface up from it");
        if (tunnel.Ladder.Contains(RepairRung.ReresolveEndpoint) && tunnel.Repair.EndpointHost is null)
            users.Add("reresolve-endpoint reads the peer's Endpoint from it (or set EndpointHost)");
        if (tunnel.Ladder.Contains(RepairRung.ResetPeer)) users.Add("reset-peer adds the peer back from it");
        if (tunnel.Ladder.Contains(RepairRung.RestartInterface) && tunnel.Repair.SystemdUnit is null)
            users.Add("restart-interface runs wg-quick with it (or set Repair:SystemdUnit)");
        if (tunnel.Discovered) users.Add("a discovered peer is kept while its conf declares it");
        return users.Count == 0 ? null : string.Join("; ", users);
    }
}
