using System.Data.Common;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Testing;

namespace WgSupervisor.Persistence.Tests;

/// <summary>
/// A real journal database for one spec class: a fresh SQLite file, or a fresh schema-free PostgreSQL
/// database state (tables dropped before and after), configured by the host's own journal code. PostgreSQL comes
/// from WGSUPERVISOR_TEST_POSTGRES (scripts/test.sh sets it); without it the PostgreSQL specs skip, except under
/// CI=true where that is a failure.
/// </summary>
public abstract class JournalBackend : IDisposable
{
    public abstract string ConnectionString { get; }
    public abstract DbConnection Open();

    /// <summary>The journal section the host would read for this database.</summary>
    public abstract JournalSettings Journal { get; }

    /// <summary>The host's own journal settings for this database (HistoryJournal → JournalSetup), <paramref name="extra"/> on top.</summary>
    public Config AkkaConfig(string extra = "") => HistoryJournal.ActorSystemConfig(Journal, "INFO", extra);

    public long Scalar(string sql) => Convert.ToInt64(Query(sql));

    /// <summary>The first column of the first row, as the database gives it.</summary>
    public object? Query(string sql)
    {
        using var connection = Open();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        command.ExecuteNonQuery();
    }

    public abstract void Dispose();
}

public sealed class SqliteBackend : JournalBackend
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"wgs-journal-{Guid.NewGuid():N}.db");

    public string FilePath => _path;
    public override JournalSettings Journal => HistoryJournal.Sqlite(_path);
    public override string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _path }.ToString();
    public override DbConnection Open() => new SqliteConnection(ConnectionString);

    public override void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
            if (File.Exists(file)) File.Delete(file);
    }
}

public sealed class PostgresBackend : JournalBackend
{
    public const string Variable = "WGSUPERVISOR_TEST_POSTGRES";
    private static readonly string[] Tables = ["journal", "snapshot", "tags", "journal_metadata"];

    public PostgresBackend()
    {
        var url = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(url))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"CI=true but {Variable} is not set: scripts/test.sh starts PostgreSQL and sets it");
            Skip.If(true, $"skipped: no PostgreSQL ({Variable} is not set; scripts/test.sh sets it)");
        }
        ConnectionString = url!;
        DropTables();
    }

    public override JournalSettings Journal => HistoryJournal.Postgres(ConnectionString);
    public override string ConnectionString { get; }
    public override DbConnection Open() => new NpgsqlConnection(ConnectionString);

    private void DropTables()
    {
        foreach (var table in Tables) Execute($"DROP TABLE IF EXISTS {table} CASCADE");
    }

    public override void Dispose()
    {
        DropTables();
        NpgsqlConnection.ClearAllPools();
    }
}
