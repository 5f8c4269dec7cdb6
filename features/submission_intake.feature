@intake
Feature: Submission intake checks the Annex I standard elements
  A provider submits a micro-credential described by the standard elements of Annex I
  of the Council Recommendation. Intake refuses a descriptor that lacks a mandatory
  element, naming each one, and flags what a QA officer should look at without
  blocking the submission.

  Background:
    Given the provider "PT-IPVN" is registered
    And the ten-principle rubric is loaded

  Scenario: A complete descriptor is accepted
    Given a complete descriptor "Applied Data Analysis with Python"
    When the provider submits it
    Then the submission is in stage "submitted"
    And it is pinned to the current rubric version
    And no warnings are recorded

  Scenario: A descriptor missing mandatory elements is refused, naming them
    Given a complete descriptor "Welding of Structural Steel"
    But it has no values for:
      | element             |
      | learning_outcomes   |
      | awarding_bodies     |
      | qa_type             |
    When the provider submits it
    Then it is refused
    And the refusal names the missing elements:
      | element                         |
      | Learning outcomes               |
      | Awarding body(ies)              |
      | Type of quality assurance       |
    And nothing is saved

  Scenario: An EQF level that contradicts the QF-EHEA cycle gives a warning
    Given a complete descriptor "Heat Pump System Design"
    And its EQF level is 6 and its QF-EHEA cycle is "second"
    When the provider submits it
    Then the submission is in stage "submitted"
    And a warning on "qf_ehea_cycle" says "corresponds to EQF 7, but the EQF level is 6"

  Scenario Outline: A workload of 60 ECTS or more is flagged as other provision
    Given a complete descriptor "Postgraduate Specialisation in Responsible AI"
    And its workload is <ects> ECTS and <hours> hours
    When the provider submits it
    Then the submission is in stage "submitted"
    And a warning on "workload_ects" says "DEQAR counts this as other provision"

    Examples:
      | ects | hours |
      | 60   | 1680  |
      | 90   | 2430  |
