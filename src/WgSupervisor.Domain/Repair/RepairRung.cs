namespace WgSupervisor.Domain.Repair;

/// <summary>The repair ladder, cheapest rung first.</summary>
public enum RepairRung
{
    /// <summary>Set the peer's endpoint again from its hostname: WireGuard resolves a name only once.</summary>
    ReresolveEndpoint,
    /// <summary>Remove the peer and add it back with its full configuration: a fresh handshake, siblings untouched.</summary>
    ResetPeer,
    /// <summary>wg-quick down and up (or a systemd unit): disturbs every peer of the interface.</summary>
    RestartInterface,
    /// <summary>An operator-configured command.</summary>
    Command,
}

public static class RepairRungs
{
    /// <summary>Rungs that disturb every peer of an interface, so the fleet lets only one run per interface.</summary>
    public static bool IsInterfaceWide(this RepairRung rung) => rung is RepairRung.RestartInterface or RepairRung.Command;

    public static string ToWireName(this RepairRung rung) => rung switch
    {
        RepairRung.ReresolveEndpoint => "reresolve-endpoint",
        RepairRung.ResetPeer => "reset-peer",
        RepairRung.RestartInterface => "restart-interface",
        RepairRung.Command => "command",
        _ => throw new ArgumentOutOfRangeException(nameof(rung), rung, null),
    };

    public static bool TryParse(string text, out RepairRung rung)
    {
        foreach (var candidate in Enum.GetValues<RepairRung>())
        {
            if (string.Equals(candidate.ToWireName(), text, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                rung = candidate;
                return true;
            }
        }
        rung = default;
        return false;
    }
}

/// <summary>How a repair ended.</summary>
public enum RepairOutcome
{
    /// <summary>The action ran and a fresh handshake followed within the verify timeout.</summary>
    Succeeded,
    /// <summary>The action itself failed (exit code, time-out, missing tool).</summary>
    ActionFailed,
    /// <summary>The action ran, but no fresh handshake came within the verify timeout.</summary>
    VerifyTimedOut,
    /// <summary>The supervisor stopped while the repair was in flight; found on recovery.</summary>
    Interrupted,
}
