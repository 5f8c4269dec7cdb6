Feature: The provider's self-assessment and the officer's screening
  Once intake has accepted the descriptor, the provider assesses the micro-credential
  against the same rubric the peer reviewers will use. Every criterion gets a level
  (0 not met, 1 partially met, 2 largely met, 3 fully met) or "cannot judge", and every
  answer cites evidence or says why there is none. A self-assessment with gaps cannot be
  submitted. "Cannot judge" is kept as a missing value: it never counts as a 0.

  Once submitted, the self-assessment is locked and a QA officer screens the file. The
  officer either sends it on to peer review or returns it to the provider with reasons;
  the provider then works on a new revision, and the submitted one is kept as it was.

  Background:
    Given a micro-credential "Applied Data Analysis with Python" that passed intake

  Scenario: A complete self-assessment goes to screening and is locked
    Given the provider has assessed every criterion at level 3, citing evidence
    When the provider submits the self-assessment
    Then the file is at stage "screening"
    And the submitted self-assessment is locked
    And the provider can no longer change "QUAL-1"

  Scenario: Submitting with criteria unanswered is refused, naming them
    Given the provider has assessed every criterion at level 3, citing evidence, except:
      | criterion |
      | QUAL-3    |
      | PORT-2    |
      | INFO-4    |
    When the provider submits the self-assessment
    Then it is refused, naming:
      | problem |
      | QUAL-3  |
      | PORT-2  |
      | INFO-4  |
    And the file is still at stage "self assessment"

  Scenario: Every answer cites evidence or says why there is none
    Given the provider has assessed every criterion at level 3, citing evidence
    But the provider answers "RELV-2" with level 1, citing no evidence and giving no reason
    When the provider submits the self-assessment
    Then it is refused, naming:
      | problem                                          |
      | RELV-2 (evidence, or a reason why there is none) |
    When the provider answers "RELV-2" with level 1 because "The employer panel meets for the first time in March 2027"
    And the provider submits the self-assessment
    Then the file is at stage "screening"

  Scenario: "Cannot judge" is stored as missing, never as 0
    Given the provider has assessed every criterion at level 3, citing evidence
    When the provider marks "QUAL-3" as cannot judge because "No cohort has completed the course yet"
    And the provider submits the self-assessment
    Then the file is at stage "screening"
    And "QUAL-3" is stored with no level, marked cannot judge, with its reason
    And the self-assessment of principle "QUAL" counts 4 criteria judged and 1 not judged
    And the self-assessment mean of principle "QUAL" is 3.0, not 2.4

  Scenario: A level and "cannot judge" at once are refused
    When the provider gives "QUAL-3" level 2 and also marks it cannot judge
    Then it is refused with "choose a level or cannot judge, not both"

  Scenario: The officer sends a complete file on to peer review
    Given the provider has submitted a self-assessment at level 2
    When officer Aoife accepts the file for peer review
    Then the file is at stage "peer review"

  Scenario: The officer returns the file with reasons; the submitted self-assessment is kept
    Given the provider has submitted a self-assessment at level 2
    When officer Aoife returns the file with the reasons "Attach the programme approval record to QUAL-1"
    Then the file is at stage "self assessment"
    And the provider now works on revision 2 of the self-assessment, which records the reasons
    And revision 2 starts from the submitted answers
    When the provider answers "QUAL-1" with level 3, citing "evidence/approval-record-2026.pdf"
    Then revision 2 holds "QUAL-1" at level 3
    And revision 1 is exactly as the provider submitted it
    When the provider submits the self-assessment
    Then the file is at stage "screening"

  Scenario: Returning the file without reasons is refused
    Given the provider has submitted a self-assessment at level 2
    When officer Aoife returns the file without giving reasons
    Then it is refused with "say what the provider must fix when returning the file"
    And the file is still at stage "screening"

  # Known bug: routing keys the provider's notification by round and stage, and the file
  # was already in self-assessment once in this round, so a returned file is never announced.
  Scenario: The provider is told that the file was returned, and why
    Given the provider has submitted a self-assessment at level 2
    When officer Aoife returns the file with the reasons "Attach the programme approval record to QUAL-1"
    And routing runs
    Then the provider is sent a message that quotes "Attach the programme approval record to QUAL-1"
