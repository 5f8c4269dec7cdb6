Feature: Assigning reviewers to a whole intake at once
  When a call closes, the QA officer assigns reviewers to every file waiting in peer review
  in one round instead of file by file. The round proposes a panel for each file (a subject
  expert, a labour-market expert and a learner where the pool allows), never a reviewer with
  a conflict of interest and never more reviews than a reviewer's maximum, and says why each
  reviewer was chosen. Nothing changes until the officer applies the proposal; applying it
  invites everyone at once or, if anything stands in the way, no one. The same holds for a
  bulk assignment file prepared in a spreadsheet.

  Background:
    Given two micro-credentials in peer review
    And two more reviewers: Marta, a subject expert in ISCED-F 0542, and Jonas, a learner

  Scenario: The officer previews a round and applies it in one go
    When officer Aoife previews an assignment round with panels of 4
    Then each file keeps its panel and gets one new reviewer
    And each new reviewer comes with the reason for the choice
    And no reviewer is proposed more reviews than their maximum
    When officer Aoife applies the round
    Then each file has 4 invited reviewers

  Scenario: A reviewer with a conflict of interest is never proposed
    Given officer Aoife recorded that Marta co-designed both files with the provider
    When officer Aoife previews an assignment round with panels of 4
    Then Marta is not proposed for any file

  Scenario: A bulk assignment file with one error changes nothing
    When officer Aoife uploads a bulk assignment file:
      | file   | reviewer | action |
      | first  | marta    | invite |
      | second | jonas    | invite |
      | second | nobody   | invite |
      | 9999   | jonas    | invite |
    Then the upload is refused, naming rows 4 and 5
    And no invitation was sent
    When officer Aoife uploads a bulk assignment file:
      | file   | reviewer | action |
      | first  | marta    | invite |
      | second | jonas    | invite |
    Then the first file has 4 invited reviewers

  Scenario: A potential conflict is dismissed only with a reason
    Given the conflict scan found potential conflicts
    When officer Aoife dismisses one without a reason
    Then it is refused with "say why this is not a conflict of interest"
    When officer Aoife dismisses one because "a shared mail host, not an employer"
    Then the dismissal is in the audit trail with its reason
