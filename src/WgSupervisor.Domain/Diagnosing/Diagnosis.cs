using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Diagnosing;

/// <summary>A named cause, in words, and the one rung that can fix it, or none: then repairs are held.</summary>
public sealed record Diagnosis(Cause Cause, string Description, RepairRung? Rung)
{
    public bool Holds => Rung is null;

    public override string ToString() => Holds ? $"{Cause.ToWireName()}: {Description} (held)" : $"{Cause.ToWireName()}: {Description} ({Rung!.Value.ToWireName()})";
}
