namespace WgSupervisor.Host.Configuration;

public enum JournalProvider
{
    Sqlite,
    PostgreSql,
}

/// <param name="LogAcknowledgements">Log every write the journal acknowledges (diagnostics; the crash test reads them).</param>
/// <param name="RetentionDays">Drop events older than this many days (null: keep all), but always keep the last <paramref name="KeepLastEvents"/>.</param>
public sealed record JournalSettings(JournalProvider Provider, string SqlitePath, string? ConnectionString, int SnapshotEvery,
    bool LogAcknowledgements = false, int? RetentionDays = null, int KeepLastEvents = 1000)
{
    public static JournalSettings Default => new(JournalProvider.Sqlite, "data/wgsupervisor.db", null, 100);
}

/// <summary>The Journal section: where the tunnels' history is persisted, and how long it is kept.</summary>
public static class JournalSection
{
    public const string Name = "Journal";

    private static readonly KeyTable<JournalSettings> Keys = new KeyTable<JournalSettings>()
        .Key("Provider", (k, j) => j with { Provider = k.Choice(j.Provider) })
        .Key("SqlitePath", (k, j) => j with { SqlitePath = k.Text ?? j.SqlitePath })
        .Key("ConnectionString", (k, j) => j with { ConnectionString = k.Text })
        .Check((section, j) =>
        {
            if (j.Provider == JournalProvider.PostgreSql && string.IsNullOrWhiteSpace(j.ConnectionString))
                section.Problem("ConnectionString", "required when Journal:Provider is PostgreSql");
        })
        .Key("SnapshotEvery", (k, j) => j with { SnapshotEvery = k.Integer(j.SnapshotEvery, minimum: 1) })
        .Key("LogAcknowledgements", (k, j) => j with { LogAcknowledgements = k.Boolean(j.LogAcknowledgements) })
        .Key("RetentionDays", (k, j) => j with { RetentionDays = k.OptionalInteger(90, minimum: 1) })
        .Key("KeepLastEvents", (k, j) => j with { KeepLastEvents = k.Integer(j.KeepLastEvents, minimum: 0) });

    public static JournalSettings Read(SettingsReader reader, IConfiguration section) => Keys.Read(reader, section, Name, JournalSettings.Default);
}
