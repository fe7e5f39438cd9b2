namespace MailFlow.Logs;

/// <summary>
/// The Exchange Server release whose log layout MailFlow writes (docs/decisions/0022): it sets the
/// message-tracking <c>#Version</c>, <c>schema-version</c> and field list (exchange-semantics.md §4.2).
/// </summary>
public enum ExchangeVersion
{
    /// <summary>Exchange 2013 (15.00): 27 tracking fields, ending at custom-data.</summary>
    Exchange2013,

    /// <summary>Exchange 2016 (15.01): 30 tracking fields, ending at schema-version.</summary>
    Exchange2016,

    /// <summary>Exchange 2019 (15.02): the 2016 field list.</summary>
    Exchange2019,
}
