using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Host.Configuration;

/// <summary>A Quarantine section (in Defaults or a tunnel): how many repairs in how long make a tunnel flapping.</summary>
public static class QuarantineSection
{
    private static readonly KeyTable<QuarantinePolicy> Keys = new KeyTable<QuarantinePolicy>()
        .Key("MaxRepairs", (k, q) => q with { MaxRepairs = k.Integer(q.MaxRepairs, minimum: 1, maximum: 1000) })
        .Key("WindowSeconds", (k, q) => q with { Window = k.Seconds(q.Window.TotalSeconds, minimum: 1) })
        .Key("ReleaseAfterWindow", (k, q) => q with { ReleaseAfterWindow = k.Boolean(q.ReleaseAfterWindow) });

    /// <param name="inherited">The policy of Defaults (or the built-in one): what the section does not set is kept.</param>
    public static QuarantinePolicy Read(KeyReader key, QuarantinePolicy inherited) => Keys.Read(key, inherited);
}
