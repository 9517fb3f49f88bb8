using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

public sealed class JournalSectionTests
{
    [Fact]
    public void Without_settings_the_journal_is_a_local_sqlite_file_keeping_everything()
    {
        var reader = new SettingsReader();

        var journal = JournalSection.Read(reader, Json("{}"));

        Assert.Equal(new JournalSettings(JournalProvider.Sqlite, "data/wgsupervisor.db", null, 100, false, null, 1000), journal);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var reader = new SettingsReader();

        var journal = JournalSection.Read(reader, Json("""
            { "Provider": "postgresql", "SqlitePath": "x.db", "ConnectionString": "Host=db", "SnapshotEvery": 5,
              "LogAcknowledgements": true, "RetentionDays": 30, "KeepLastEvents": 0 }
            """));

        Assert.Equal(new JournalSettings(JournalProvider.PostgreSql, "x.db", "Host=db", 5, true, 30, 0), journal);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void PostgreSql_needs_a_connection_string()
    {
        var reader = new SettingsReader();

        JournalSection.Read(reader, Json("""{ "Provider": "PostgreSql" }"""));

        Assert.Equal(("Journal:ConnectionString", "required when Journal:Provider is PostgreSql"), (Single(reader).Where, Single(reader).Problem));
    }

    [Fact]
    public void Each_mistake_is_reported_at_its_key()
    {
        var reader = new SettingsReader();

        JournalSection.Read(reader, Json("""{ "Provider": "Oracle", "SnapshotEvery": 0, "RetentionDays": 0, "KeepLastEvents": -1, "Path": "x" }"""));

        Assert.Equal(["Journal:KeepLastEvents", "Journal:Path", "Journal:Provider", "Journal:RetentionDays", "Journal:SnapshotEvery"], Places(reader));
    }
}
