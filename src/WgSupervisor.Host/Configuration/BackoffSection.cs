using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Host.Configuration;

/// <summary>A Backoff section (in Defaults or a tunnel): how long to wait between failed repairs.</summary>
public static class BackoffSection
{
    private static readonly KeyTable<BackoffPolicy> Keys = new KeyTable<BackoffPolicy>()
        .Key("BaseSeconds", (k, b) => b with { Base = k.Seconds(b.Base.TotalSeconds, minimum: 0.1) })
        .Key("Factor", (k, b) => b with { Factor = k.Number(b.Factor, minimum: 1) })
        .Key("CapSeconds", (k, b) => b with { Cap = k.Seconds(b.Cap.TotalSeconds, minimum: 0.1) })
        .Check((section, b) =>
        {
            if (b.Cap < b.Base) section.Problem("CapSeconds", "must not be below Backoff:BaseSeconds");
        })
        .Key("EscalateSeconds", (k, b) => b with { Escalation = k.Seconds(b.Escalation.TotalSeconds, minimum: 0) });

    /// <param name="inherited">The policy of Defaults (or the built-in one): what the section does not set is kept.</param>
    public static BackoffPolicy Read(KeyReader key, BackoffPolicy inherited) => Keys.Read(key, inherited);
}
