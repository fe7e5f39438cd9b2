@{
    RootModule        = 'MailFlow.PowerShell.dll'
    NestedModules     = @('MailFlow.ServiceNames.psm1')
    ModuleVersion     = '0.1.0'
    GUID              = '6f0b6f1e-3d4c-4b8e-9a57-1f2d3c4b5a69'
    Author            = 'MailFlow'
    Description       = 'Exchange-style transport cmdlets (Get-ReceiveConnector, Set-ReceiveConnector, Get-ExchangeCertificate, New-Mailbox, Get-Queue, Restart-TransportService, ...) for a MailFlow data directory.'
    PowerShellVersion = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess  = @('MailFlow.Format.ps1xml')
    CmdletsToExport   = @(
        'Get-ReceiveConnector', 'New-ReceiveConnector', 'Set-ReceiveConnector', 'Remove-ReceiveConnector',
        'Get-SendConnector', 'New-SendConnector', 'Set-SendConnector', 'Remove-SendConnector',
        'Get-ExchangeCertificate', 'New-ExchangeCertificate', 'Import-ExchangeCertificate', 'Enable-ExchangeCertificate', 'Remove-ExchangeCertificate',
        'Get-AcceptedDomain', 'New-AcceptedDomain', 'Set-AcceptedDomain', 'Remove-AcceptedDomain',
        'Get-Mailbox', 'New-Mailbox', 'Remove-Mailbox',
        'Get-Queue', 'Get-Message', 'Invoke-QueueRetry', 'Suspend-Message', 'Resume-Message', 'Remove-Message',
        'Get-MessageTrackingLog', 'Get-TransportService', 'Set-TransportService', 'Restart-TransportService'
    )
    FunctionsToExport = @('Restart-Service')
    # Exchange's names whose verbs PowerShell does not approve, as aliases: aliases are not verb-checked, so import is silent
    AliasesToExport   = @('Retry-Queue')
    VariablesToExport = @()
}
