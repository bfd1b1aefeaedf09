#Requires -Version 7.2
<#
  mailwarden Exchange Online bridge, protocol 1 (docs/exchange-bridge.md).

  Started once as: pwsh -NoLogo -NoProfile -NonInteractive -File exo-bridge.ps1   (argv carries no data, no secrets)
  stdin : one JSON request per line   {"id","op":"connect"|"invoke"|"ping"|"disconnect", ...}
  stdout: one JSON line per response  {"id","ok":true,"result":...} | {"id","ok":false,"error":{category,type,message}}
          and, first, {"ready":true,"protocol":1}

  Request values are data, never code: they are read with ConvertFrom-Json, checked against the allow-list below,
  and bound to cmdlet parameters by splatting. Nothing here builds or evaluates command text.
  The allow-list and the error tables must equal src/adapters/exo/allowlist.ts and categories.ts (a test compares).
#>
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$DebugPreference = 'SilentlyContinue'
Set-StrictMode -Version 1.0

$Protocol = 1

# Cmdlet -> parameter -> kind (Identity | IdentityOrNull | StringOrNull | Switch | Bool | BoolOrNull | ResultSize | Word | WordList | IdentityListEdit).
$AllowedCmdlets = @{
  'Get-InboxRule'                  = @{ 'Mailbox' = 'Identity'; 'Identity' = 'Identity'; 'IncludeHidden' = 'Switch' }
  'Disable-InboxRule'              = @{ 'Mailbox' = 'Identity'; 'Identity' = 'Identity'; 'Confirm' = 'Bool'; 'Force' = 'Switch'; 'AlwaysDeleteOutlookRulesBlob' = 'Switch' }
  'Enable-InboxRule'               = @{ 'Mailbox' = 'Identity'; 'Identity' = 'Identity'; 'Confirm' = 'Bool'; 'Force' = 'Switch'; 'AlwaysDeleteOutlookRulesBlob' = 'Switch' }
  'Remove-InboxRule'               = @{ 'Mailbox' = 'Identity'; 'Identity' = 'Identity'; 'Confirm' = 'Bool'; 'Force' = 'Switch'; 'AlwaysDeleteOutlookRulesBlob' = 'Switch' }
  'Get-Mailbox'                    = @{ 'Identity' = 'Identity'; 'ResultSize' = 'ResultSize' }
  'Set-Mailbox'                    = @{ 'Identity' = 'Identity'; 'ForwardingSmtpAddress' = 'StringOrNull'; 'ForwardingAddress' = 'IdentityOrNull'; 'DeliverToMailboxAndForward' = 'Bool'; 'GrantSendOnBehalfTo' = 'IdentityListEdit'; 'Confirm' = 'Bool' }
  'Get-MailboxPermission'          = @{ 'Identity' = 'Identity'; 'User' = 'Identity' }
  'Add-MailboxPermission'          = @{ 'Identity' = 'Identity'; 'User' = 'Identity'; 'AccessRights' = 'WordList'; 'InheritanceType' = 'Word'; 'AutoMapping' = 'Bool'; 'Confirm' = 'Bool' }
  'Remove-MailboxPermission'       = @{ 'Identity' = 'Identity'; 'User' = 'Identity'; 'AccessRights' = 'WordList'; 'InheritanceType' = 'Word'; 'Confirm' = 'Bool' }
  'Get-RecipientPermission'        = @{ 'Identity' = 'Identity'; 'Trustee' = 'Identity' }
  'Add-RecipientPermission'        = @{ 'Identity' = 'Identity'; 'Trustee' = 'Identity'; 'AccessRights' = 'WordList'; 'Confirm' = 'Bool' }
  'Remove-RecipientPermission'     = @{ 'Identity' = 'Identity'; 'Trustee' = 'Identity'; 'AccessRights' = 'WordList'; 'Confirm' = 'Bool' }
  'Get-MailboxFolderPermission'    = @{ 'Identity' = 'Identity'; 'User' = 'Identity' }
  'Add-MailboxFolderPermission'    = @{ 'Identity' = 'Identity'; 'User' = 'Identity'; 'AccessRights' = 'WordList'; 'Confirm' = 'Bool' }
  'Set-MailboxFolderPermission'    = @{ 'Identity' = 'Identity'; 'User' = 'Identity'; 'AccessRights' = 'WordList'; 'Confirm' = 'Bool' }
  'Remove-MailboxFolderPermission' = @{ 'Identity' = 'Identity'; 'User' = 'Identity'; 'Confirm' = 'Bool' }
  'Get-TransportRule'              = @{ 'Identity' = 'Identity'; 'State' = 'Word' }
  'Disable-TransportRule'          = @{ 'Identity' = 'Identity'; 'Confirm' = 'Bool' }
  'Enable-TransportRule'           = @{ 'Identity' = 'Identity'; 'Confirm' = 'Bool' }
  'Get-MobileDevice'               = @{ 'Mailbox' = 'Identity' }
  'Remove-MobileDevice'            = @{ 'Identity' = 'Identity'; 'Confirm' = 'Bool' }
  'Get-CASMailbox'                 = @{ 'Identity' = 'Identity' }
  'Set-CASMailbox'                 = @{ 'Identity' = 'Identity'; 'PopEnabled' = 'Bool'; 'ImapEnabled' = 'Bool'; 'SmtpClientAuthenticationDisabled' = 'BoolOrNull'; 'Confirm' = 'Bool' }
}

# Cmdlet -> projection function for its output objects. Cmdlets not listed here return [].
$Projections = @{
  'Get-InboxRule'               = 'ConvertTo-BridgeInboxRule'
  'Get-Mailbox'                 = 'ConvertTo-BridgeMailbox'
  'Get-MailboxPermission'       = 'ConvertTo-BridgeMailboxPermission'
  'Get-RecipientPermission'     = 'ConvertTo-BridgeRecipientPermission'
  'Get-MailboxFolderPermission' = 'ConvertTo-BridgeFolderPermission'
  'Get-TransportRule'           = 'ConvertTo-BridgeTransportRule'
  'Get-MobileDevice'            = 'ConvertTo-BridgeMobileDevice'
  'Get-CASMailbox'              = 'ConvertTo-BridgeCasMailbox'
}

$ConnectParameters = @('AppId', 'Organization', 'AccessToken', 'CertificateFilePath', 'CertificatePassword', 'ConnectionUri', 'AzureADAuthorizationEndpointUri')

# Error category: message fragments first (in order, case-insensitive), then the exception type's last segment.
$ErrorMessageCategories = [ordered]@{
  'matches multiple entries'              = 'Ambiguous'
  'maximum number of concurrent requests' = 'Throttled'
}
$ErrorTypeCategories = @{
  'ManagementObjectNotFoundException'               = 'NotFound'
  'ManagementObjectAmbiguousException'              = 'Ambiguous'
  'UnauthorizedAccessException'                     = 'AccessDenied'
  'ParameterBindingException'                       = 'InvalidParameter'
  'ParameterBindingValidationException'             = 'InvalidParameter'
  'ParameterBindingArgumentTransformationException' = 'InvalidParameter'
  'ValidationMetadataException'                     = 'InvalidParameter'
  'ArgumentException'                               = 'InvalidParameter'
  'ArgumentNullException'                           = 'InvalidParameter'
  'ArgumentOutOfRangeException'                     = 'InvalidParameter'
  'CommandNotFoundException'                        = 'Unsupported'
  'NotSupportedException'                           = 'Unsupported'
}

$script:Connected = $false

function Write-BridgeLine {
  param([object]$Message)
  [Console]::Out.WriteLine((ConvertTo-Json -InputObject $Message -Depth 6 -Compress))
  [Console]::Out.Flush()
}

function Get-BridgeProperty {
  param([object]$Object, [string]$Name)
  if ($null -eq $Object) { return $null }
  $property = $Object.PSObject.Properties[$Name]
  if ($null -eq $property) { return $null }
  return $property.Value
}

function ConvertTo-BridgeStringArray {
  param([object]$Value)
  if ($null -eq $Value) { return , ([string[]]@()) }
  return , ([string[]]@(foreach ($item in $Value) { [string]$item }))
}

# Rights may arrive comma-joined in one element ("FullAccess, ReadPermission"): one right per element.
function ConvertTo-BridgeRightsArray {
  param([object]$Value)
  if ($null -eq $Value) { return , ([string[]]@()) }
  return , ([string[]]@(foreach ($item in $Value) { foreach ($part in ([string]$item).Split(',')) { if ($part.Trim().Length -gt 0) { $part.Trim() } } }))
}

function ConvertTo-BridgeOptionalString {
  param([object]$Value)
  if ($null -eq $Value) { return $null }
  $text = [string]$Value
  if ($text.Length -eq 0) { return $null }
  return $text
}

function ConvertTo-BridgeInboxRule {
  param([object]$Rule)
  $priority = Get-BridgeProperty $Rule 'Priority'
  [pscustomobject][ordered]@{
    name                       = [string](Get-BridgeProperty $Rule 'Name')
    identity                   = [string](Get-BridgeProperty $Rule 'Identity')
    ruleIdentity               = [string](Get-BridgeProperty $Rule 'RuleIdentity')
    enabled                    = [bool](Get-BridgeProperty $Rule 'Enabled')
    inError                    = [bool](Get-BridgeProperty $Rule 'InError')
    errorType                  = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Rule 'ErrorType')
    priority                   = if ($null -eq $priority) { 0 } else { [int]$priority }
    supportedByTask            = [bool](Get-BridgeProperty $Rule 'SupportedByTask')
    description                = [string](Get-BridgeProperty $Rule 'Description')
    mailboxOwnerId             = [string](Get-BridgeProperty $Rule 'MailboxOwnerId')
    from                       = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'From')
    sentTo                     = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'SentTo')
    subjectContainsWords       = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'SubjectContainsWords')
    bodyContainsWords          = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'BodyContainsWords')
    subjectOrBodyContainsWords = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'SubjectOrBodyContainsWords')
    fromAddressContainsWords   = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'FromAddressContainsWords')
    forwardTo                  = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'ForwardTo')
    redirectTo                 = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'RedirectTo')
    forwardAsAttachmentTo      = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'ForwardAsAttachmentTo')
    deleteMessage              = [bool](Get-BridgeProperty $Rule 'DeleteMessage')
    softDeleteMessage          = [bool](Get-BridgeProperty $Rule 'SoftDeleteMessage')
    permanentDelete            = [bool](Get-BridgeProperty $Rule 'PermanentDelete')
    moveToFolder               = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Rule 'MoveToFolder')
    copyToFolder               = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Rule 'CopyToFolder')
    markAsRead                 = [bool](Get-BridgeProperty $Rule 'MarkAsRead')
    markImportance             = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Rule 'MarkImportance')
    stopProcessingRules        = [bool](Get-BridgeProperty $Rule 'StopProcessingRules')
  }
}

function ConvertTo-BridgeMailbox {
  param([object]$Mailbox)
  [pscustomobject][ordered]@{
    userPrincipalName          = [string](Get-BridgeProperty $Mailbox 'UserPrincipalName')
    primarySmtpAddress         = [string](Get-BridgeProperty $Mailbox 'PrimarySmtpAddress')
    alias                      = [string](Get-BridgeProperty $Mailbox 'Alias')
    identity                   = [string](Get-BridgeProperty $Mailbox 'Identity')
    exchangeGuid               = [string](Get-BridgeProperty $Mailbox 'ExchangeGuid')
    externalDirectoryObjectId  = [string](Get-BridgeProperty $Mailbox 'ExternalDirectoryObjectId')
    recipientTypeDetails       = [string](Get-BridgeProperty $Mailbox 'RecipientTypeDetails')
    forwardingSmtpAddress      = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Mailbox 'ForwardingSmtpAddress')
    forwardingAddress          = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Mailbox 'ForwardingAddress')
    deliverToMailboxAndForward = [bool](Get-BridgeProperty $Mailbox 'DeliverToMailboxAndForward')
    emailAddresses             = ConvertTo-BridgeStringArray (Get-BridgeProperty $Mailbox 'EmailAddresses')
    grantSendOnBehalfTo        = ConvertTo-BridgeStringArray (Get-BridgeProperty $Mailbox 'GrantSendOnBehalfTo')
  }
}

function ConvertTo-BridgeMailboxPermission {
  param([object]$Row)
  [pscustomobject][ordered]@{
    identity        = [string](Get-BridgeProperty $Row 'Identity')
    user            = [string](Get-BridgeProperty $Row 'User')
    accessRights    = ConvertTo-BridgeRightsArray (Get-BridgeProperty $Row 'AccessRights')
    isInherited     = [bool](Get-BridgeProperty $Row 'IsInherited')
    deny            = [bool](Get-BridgeProperty $Row 'Deny')
    inheritanceType = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Row 'InheritanceType')
  }
}

function ConvertTo-BridgeRecipientPermission {
  param([object]$Row)
  [pscustomobject][ordered]@{
    identity          = [string](Get-BridgeProperty $Row 'Identity')
    trustee           = [string](Get-BridgeProperty $Row 'Trustee')
    accessControlType = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Row 'AccessControlType')
    accessRights      = ConvertTo-BridgeRightsArray (Get-BridgeProperty $Row 'AccessRights')
    isInherited       = [bool](Get-BridgeProperty $Row 'IsInherited')
  }
}

function ConvertTo-BridgeFolderPermission {
  param([object]$Row)
  [pscustomobject][ordered]@{
    identity               = [string](Get-BridgeProperty $Row 'Identity')
    folderName             = [string](Get-BridgeProperty $Row 'FolderName')
    user                   = [string](Get-BridgeProperty $Row 'User')
    accessRights           = ConvertTo-BridgeRightsArray (Get-BridgeProperty $Row 'AccessRights')
    sharingPermissionFlags = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Row 'SharingPermissionFlags')
  }
}

function ConvertTo-BridgeTransportRule {
  param([object]$Rule)
  $priority = Get-BridgeProperty $Rule 'Priority'
  [pscustomobject][ordered]@{
    name              = [string](Get-BridgeProperty $Rule 'Name')
    identity          = [string](Get-BridgeProperty $Rule 'Identity')
    guid              = [string](Get-BridgeProperty $Rule 'Guid')
    state             = [string](Get-BridgeProperty $Rule 'State')
    mode              = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Rule 'Mode')
    priority          = if ($null -eq $priority) { 0 } else { [int]$priority }
    description       = [string](Get-BridgeProperty $Rule 'Description')
    blindCopyTo       = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'BlindCopyTo')
    redirectMessageTo = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'RedirectMessageTo')
    copyTo            = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'CopyTo')
    addToRecipients   = ConvertTo-BridgeStringArray (Get-BridgeProperty $Rule 'AddToRecipients')
    deleteMessage     = [bool](Get-BridgeProperty $Rule 'DeleteMessage')
    sentToScope       = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Rule 'SentToScope')
    fromScope         = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Rule 'FromScope')
  }
}

# A date as ISO 8601 UTC ('o'), whatever culture the host runs in; a string is passed on, $null stays null.
function ConvertTo-BridgeDateTime {
  param([object]$Value)
  if ($null -eq $Value) { return $null }
  if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
  return ConvertTo-BridgeOptionalString $Value
}

function ConvertTo-BridgeMobileDevice {
  param([object]$Device)
  [pscustomobject][ordered]@{
    identity                = [string](Get-BridgeProperty $Device 'Identity')
    guid                    = [string](Get-BridgeProperty $Device 'Guid')
    deviceId                = [string](Get-BridgeProperty $Device 'DeviceId')
    deviceType              = [string](Get-BridgeProperty $Device 'DeviceType')
    deviceModel             = [string](Get-BridgeProperty $Device 'DeviceModel')
    deviceOS                = [string](Get-BridgeProperty $Device 'DeviceOS')
    deviceUserAgent         = [string](Get-BridgeProperty $Device 'DeviceUserAgent')
    friendlyName            = [string](Get-BridgeProperty $Device 'FriendlyName')
    clientType              = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Device 'ClientType')
    firstSyncTime           = ConvertTo-BridgeDateTime (Get-BridgeProperty $Device 'FirstSyncTime')
    deviceAccessState       = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Device 'DeviceAccessState')
    deviceAccessStateReason = ConvertTo-BridgeOptionalString (Get-BridgeProperty $Device 'DeviceAccessStateReason')
  }
}

function ConvertTo-BridgeCasMailbox {
  param([object]$Cas)
  $smtpAuth = Get-BridgeProperty $Cas 'SmtpClientAuthenticationDisabled'
  [pscustomobject][ordered]@{
    identity                         = [string](Get-BridgeProperty $Cas 'Identity')
    primarySmtpAddress               = [string](Get-BridgeProperty $Cas 'PrimarySmtpAddress')
    externalDirectoryObjectId        = [string](Get-BridgeProperty $Cas 'ExternalDirectoryObjectId')
    popEnabled                       = [bool](Get-BridgeProperty $Cas 'PopEnabled')
    imapEnabled                      = [bool](Get-BridgeProperty $Cas 'ImapEnabled')
    smtpClientAuthenticationDisabled = if ($null -eq $smtpAuth) { $null } else { [bool]$smtpAuth }
    activeSyncEnabled                = [bool](Get-BridgeProperty $Cas 'ActiveSyncEnabled')
    mapiEnabled                      = [bool](Get-BridgeProperty $Cas 'MAPIEnabled')
    ewsEnabled                       = [bool](Get-BridgeProperty $Cas 'EwsEnabled')
    owaEnabled                       = [bool](Get-BridgeProperty $Cas 'OWAEnabled')
    activeSyncBlockedDeviceIDs       = ConvertTo-BridgeStringArray (Get-BridgeProperty $Cas 'ActiveSyncBlockedDeviceIDs')
  }
}

function New-BridgeArgumentError {
  param([string]$Message)
  return [System.ArgumentException]::new($Message)
}

function Assert-BridgeIdentity {
  param([string]$Name, [object]$Value)
  if ($Value -isnot [string] -or [string]::IsNullOrWhiteSpace($Value)) {
    throw (New-BridgeArgumentError "Parameter '$Name' must be a non-empty string without wildcards.")
  }
  if ($Value.IndexOfAny([char[]]@('*', '?')) -ge 0) {
    throw (New-BridgeArgumentError "Parameter '$Name' must be a non-empty string without wildcards.")
  }
}

function Test-BridgeWord {
  param([object]$Value)
  return ($Value -is [string] -and $Value -cmatch '^[A-Za-z]{1,64}$')
}

# A JSON array of identities (ConvertFrom-Json yields object[]), as [string[]]; throws otherwise.
function ConvertTo-BridgeIdentityArray {
  param([string]$Message, [object]$Value)
  if ($Value -isnot [System.Collections.IList] -or $Value -is [string]) { throw (New-BridgeArgumentError $Message) }
  foreach ($item in $Value) {
    if ($item -isnot [string] -or [string]::IsNullOrWhiteSpace($item) -or $item.IndexOfAny([char[]]@('*', '?')) -ge 0) {
      throw (New-BridgeArgumentError $Message)
    }
  }
  return , ([string[]]@($Value))
}

# Returns the value to bind, or throws. Values are never converted to or from command text.
function Test-BridgeValue {
  param([string]$Name, [string]$Kind, [object]$Value)
  switch -CaseSensitive ($Kind) {
    'Identity' {
      Assert-BridgeIdentity $Name $Value
      return $Value
    }
    'IdentityOrNull' {
      if ($null -eq $Value) { return $null }
      Assert-BridgeIdentity $Name $Value
      return $Value
    }
    'StringOrNull' {
      if ($null -eq $Value) { return $null }
      if ($Value -isnot [string]) { throw (New-BridgeArgumentError "Parameter '$Name' must be null or a string.") }
      return $Value
    }
    'Switch' {
      if ($Value -isnot [bool]) { throw (New-BridgeArgumentError "Parameter '$Name' must be a boolean.") }
      return $Value
    }
    'Bool' {
      if ($Value -isnot [bool]) { throw (New-BridgeArgumentError "Parameter '$Name' must be a boolean.") }
      return $Value
    }
    'BoolOrNull' {
      if ($null -eq $Value) { return $null }
      if ($Value -isnot [bool]) { throw (New-BridgeArgumentError "Parameter '$Name' must be null or a boolean.") }
      return $Value
    }
    'ResultSize' {
      if ($Value -is [string] -and $Value -ceq 'Unlimited') { return $Value }
      if (($Value -is [long] -or $Value -is [int]) -and $Value -ge 1) { return [int]$Value }
      throw (New-BridgeArgumentError "Parameter '$Name' must be 'Unlimited' or a positive integer.")
    }
    'Word' {
      if (-not (Test-BridgeWord $Value)) { throw (New-BridgeArgumentError "Parameter '$Name' must be a single word.") }
      return $Value
    }
    'WordList' {
      $words = @()
      if ($Value -is [System.Collections.IList] -and $Value -isnot [string]) { $words = @($Value) }
      if ($words.Count -eq 0) { throw (New-BridgeArgumentError "Parameter '$Name' must be a non-empty list of words.") }
      foreach ($word in $words) {
        if (-not (Test-BridgeWord $word)) { throw (New-BridgeArgumentError "Parameter '$Name' must be a non-empty list of words.") }
      }
      return , ([string[]]$words)
    }
    'IdentityListEdit' {
      $message = "Parameter '$Name' must be null, a non-empty list of identities, or {`"add`":[...],`"remove`":[...]}."
      if ($null -eq $Value) { return $null }
      if ($Value -is [System.Collections.IDictionary]) {
        # The edit form becomes the hashtable Set-Mailbox documents: @{Add=...; Remove=...}.
        $edit = @{}
        $count = 0
        foreach ($key in @($Value.Keys)) {
          if ($key -ceq 'add') { $edit['Add'] = ConvertTo-BridgeIdentityArray $message $Value[$key]; $count += $edit['Add'].Count }
          elseif ($key -ceq 'remove') { $edit['Remove'] = ConvertTo-BridgeIdentityArray $message $Value[$key]; $count += $edit['Remove'].Count }
          else { throw (New-BridgeArgumentError $message) }
        }
        if ($count -eq 0) { throw (New-BridgeArgumentError $message) }
        return $edit
      }
      $list = ConvertTo-BridgeIdentityArray $message $Value
      if ($list.Count -eq 0) { throw (New-BridgeArgumentError $message) }
      return , $list
    }
    default {
      throw (New-BridgeArgumentError "Parameter '$Name' has an unknown kind.")
    }
  }
}

function ConvertTo-BridgeSplat {
  param([string]$Cmdlet, [object]$Parameters)
  $spec = $AllowedCmdlets[$Cmdlet]
  $splat = @{}
  if ($null -eq $Parameters) { return $splat }
  if ($Parameters -isnot [System.Collections.IDictionary]) { throw (New-BridgeArgumentError 'params must be a JSON object.') }
  foreach ($name in @($Parameters.Keys)) {
    if (-not (@($spec.Keys) -ccontains $name)) {
      throw (New-BridgeArgumentError "Parameter '$name' is not allowed for $Cmdlet.")
    }
    $splat[$name] = Test-BridgeValue -Name $name -Kind $spec[$name] -Value $Parameters[$name]
  }
  return $splat
}

function Invoke-BridgeConnect {
  param([object]$Parameters)
  if ($Parameters -isnot [System.Collections.IDictionary]) { throw (New-BridgeArgumentError 'params must be a JSON object.') }
  $connect = @{}
  foreach ($name in @($Parameters.Keys)) {
    if (-not ($ConnectParameters -ccontains $name)) { throw (New-BridgeArgumentError "Connect parameter '$name' is not allowed.") }
    $value = $Parameters[$name]
    if ($null -eq $value) { continue }
    if ($value -isnot [string] -or $value.Length -eq 0) { throw (New-BridgeArgumentError "Connect parameter '$name' must be a non-empty string.") }
    if ($name -ceq 'CertificatePassword') {
      $connect[$name] = ConvertTo-SecureString -String $value -AsPlainText -Force
    }
    else {
      $connect[$name] = $value
    }
  }
  foreach ($required in @('AppId', 'Organization')) {
    if (-not $connect.ContainsKey($required)) { throw (New-BridgeArgumentError "Connect parameter '$required' is required.") }
  }
  if (-not ($connect.ContainsKey('AccessToken') -or $connect.ContainsKey('CertificateFilePath'))) {
    throw (New-BridgeArgumentError 'AccessToken or CertificateFilePath is required.')
  }
  if ($script:Connected) {
    $null = Disconnect-ExchangeOnline -Confirm:$false 6>$null
    $script:Connected = $false
  }
  Import-Module ExchangeOnlineManagement -ErrorAction Stop 6>$null
  $commandNames = [string[]]@($AllowedCmdlets.Keys)
  $null = Connect-ExchangeOnline @connect -ShowBanner:$false -SkipLoadingFormatData -CommandName $commandNames -ErrorAction Stop 6>$null
  $connect.Clear()
  $script:Connected = $true
  return [ordered]@{ connected = $true }
}

function Invoke-BridgeCmdlet {
  param([object]$Request)
  if (-not $script:Connected) {
    throw [System.InvalidOperationException]::new('NotConnected: send a connect request first.')
  }
  $cmdlet = $Request['cmdlet']
  if ($cmdlet -isnot [string] -or -not (@($AllowedCmdlets.Keys) -ccontains $cmdlet)) {
    throw [System.NotSupportedException]::new('The cmdlet is not on the bridge allow-list.')
  }
  $splat = ConvertTo-BridgeSplat -Cmdlet $cmdlet -Parameters $Request['params']
  $output = @(& $cmdlet @splat -ErrorAction Stop 6>$null)
  if (-not $Projections.ContainsKey($cmdlet)) { return , @() }
  $projection = $Projections[$cmdlet]
  $projected = @(foreach ($item in $output) { & $projection $item })
  return , $projected
}

function Invoke-BridgeRequest {
  param([object]$Request)
  $op = $Request['op']
  # switch enumerates arrays: only a single string may select the operation.
  if ($op -isnot [string]) { throw (New-BridgeArgumentError 'Unknown op.') }
  switch -CaseSensitive ($op) {
    'connect' {
      return Invoke-BridgeConnect $Request['params']
    }
    'invoke' {
      return , (Invoke-BridgeCmdlet $Request)
    }
    'ping' {
      return [ordered]@{ pong = $true; connected = $script:Connected }
    }
    'disconnect' {
      if ($script:Connected) {
        $null = Disconnect-ExchangeOnline -Confirm:$false 6>$null
        $script:Connected = $false
      }
      return [ordered]@{ connected = $false }
    }
    default {
      throw (New-BridgeArgumentError 'Unknown op.')
    }
  }
}

function Get-BridgeErrorCategory {
  param([string]$Type, [string]$Message)
  foreach ($fragment in $ErrorMessageCategories.Keys) {
    if ($Message.IndexOf($fragment, [System.StringComparison]::OrdinalIgnoreCase) -ge 0) { return $ErrorMessageCategories[$fragment] }
  }
  if ($Message.StartsWith('NotConnected:')) { return 'NotConnected' }
  $short = $Type.Substring($Type.LastIndexOf('.') + 1)
  if ($ErrorTypeCategories.ContainsKey($short)) { return $ErrorTypeCategories[$short] }
  return 'Failed'
}

function ConvertTo-BridgeError {
  param([System.Management.Automation.ErrorRecord]$Record)
  $exception = $Record.Exception
  $type = $exception.GetType().FullName
  $message = [string]$exception.Message
  $texts = @()
  if ($null -ne $Record.ErrorDetails) { $texts += [string]$Record.ErrorDetails.Message }
  $texts += $message
  foreach ($text in $texts) {
    $match = [regex]::Match($text, '^\s*(?:[\w-]+\s*:\s*)?[A-Za-z0-9]+\|([A-Za-z_][\w.]*)\|([\s\S]*)$')
    if ($match.Success) {
      $type = $match.Groups[1].Value
      $message = $match.Groups[2].Value.Trim()
      break
    }
  }
  return [ordered]@{ category = (Get-BridgeErrorCategory $type $message); type = $type; message = $message }
}

function ConvertFrom-BridgeRequest {
  param([string]$Line)
  $jsonArgs = @{ InputObject = $Line; AsHashtable = $true }
  # PowerShell 7.5+ can keep date-like strings as strings; older versions turn them into [datetime], which the
  # value checks then refuse rather than pass on altered.
  if ((Get-Command -Name 'ConvertFrom-Json' -CommandType Cmdlet).Parameters.ContainsKey('DateKind')) { $jsonArgs['DateKind'] = 'String' }
  $request = ConvertFrom-Json @jsonArgs
  if ($request -isnot [System.Collections.IDictionary]) { throw (New-BridgeArgumentError 'A request must be a JSON object.') }
  return $request
}

try { [Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false) } catch { $null = $_ }
try { [Console]::InputEncoding = [System.Text.UTF8Encoding]::new($false) } catch { $null = $_ }

Write-BridgeLine ([ordered]@{ ready = $true; protocol = $Protocol })

while ($true) {
  $line = [Console]::In.ReadLine()
  if ($null -eq $line) { break }
  if ([string]::IsNullOrWhiteSpace($line)) { continue }
  $id = $null
  try {
    $request = ConvertFrom-BridgeRequest $line
    if ($request['id'] -is [string] -and $request['id'].Length -gt 0) { $id = $request['id'] }
    else { throw (New-BridgeArgumentError 'A request needs a non-empty string id.') }
    $result = Invoke-BridgeRequest $request
    Write-BridgeLine ([ordered]@{ id = $id; ok = $true; result = $result })
  }
  catch {
    Write-BridgeLine ([ordered]@{ id = $id; ok = $false; error = (ConvertTo-BridgeError $_) })
  }
}

if ($script:Connected) {
  try { $null = Disconnect-ExchangeOnline -Confirm:$false 6>$null } catch { $null = $_ }
}
exit 0
