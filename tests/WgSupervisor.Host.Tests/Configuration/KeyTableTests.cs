using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>The key table: one declaration gives the allowed keys and how each is read.</summary>
public sealed class KeyTableTests
{
    private sealed record Sample(int Count, string Label);

    private static readonly KeyTable<Sample> Table = new KeyTable<Sample>()
        .Key("Count", (k, s) => s with { Count = k.Integer(s.Count, minimum: 1, maximum: 9) })
        .Section("Nested")
        .Check((section, s) =>
        {
            if (s.Count == 7) section.Problem("Count", "seven is refused");
        })
        .Key("Label", (k, s) => s with { Label = k.Text ?? s.Label });

    private static readonly Sample Start = new(3, "none");

    [Fact]
    public void The_allowed_keys_are_the_declared_ones_in_order_without_the_checks()
    {
        Assert.Equal(["Count", "Nested", "Label"], Table.Keys);
    }

    [Fact]
    public void What_is_not_set_keeps_its_starting_value()
    {
        var reader = new SettingsReader();

        Assert.Equal(Start, Table.Read(reader, Json("{}"), "Sample", Start));
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Every_key_is_read_into_the_value()
    {
        var reader = new SettingsReader();

        var read = Table.Read(reader, Json("""{ "Count": 5, "Label": "five", "Nested": { "Anything": 1 } }"""), "Sample", Start);

        Assert.Equal(new Sample(5, "five"), read);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void An_unknown_key_is_a_problem_at_its_path_that_lists_the_known_keys()
    {
        var reader = new SettingsReader();

        Table.Read(reader, Json("""{ "Colour": "blue" }"""), "Sample", Start);

        var problem = Single(reader);
        Assert.Equal("Sample:Colour", problem.Where);
        Assert.Equal("unknown key (known here: Count, Nested, Label)", problem.Problem);
    }

    [Fact]
    public void All_problems_are_recorded_and_reading_goes_on()
    {
        var reader = new SettingsReader();

        var read = Table.Read(reader, Json("""{ "Count": "many", "Colour": "blue", "Label": "kept" }"""), "Sample", Start);

        Assert.Equal(["Sample:Colour", "Sample:Count"], Places(reader));
        Assert.Equal(new Sample(3, "kept"), read);
    }

    [Fact]
    public void A_check_sees_the_keys_read_before_it()
    {
        var reader = new SettingsReader();

        Table.Read(reader, Json("""{ "Count": 7 }"""), "Sample", Start);

        Assert.Equal(("Sample:Count", "seven is refused"), (Single(reader).Where, Single(reader).Problem));
    }

    [Fact]
    public void At_the_root_the_path_is_the_key_itself()
    {
        var reader = new SettingsReader();

        Table.Read(reader, Json("""{ "Count": 0 }"""), "", Start);

        Assert.Equal(("Count", "must be between 1 and 9"), (Single(reader).Where, Single(reader).Problem));
    }

    [Fact]
    public void An_included_table_adds_its_keys_at_that_point()
    {
        var combined = new KeyTable<Sample>().Key("First", (_, s) => s).Include(Table).Key("Last", (_, s) => s);

        Assert.Equal(["First", "Count", "Nested", "Label", "Last"], combined.Keys);
    }
}
